#pragma once

#include <boost/beast/http/field.hpp>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// The fields of an upstream answer's head, in arrival order, their text in one buffer.
// Beast's `fields` keeps each field in a node of its own in a tree ordered by
// case-insensitive name; reading an answer of twenty-odd fields into it (the rate-limit
// headers share a 20-character prefix, compared again on every insert) cost more
// instructions than all the rest of a small pass-through request's relay (callgrind).
// The gateway only walks these fields and looks a few of them up.
class UpstreamHeaders {
  struct Entry {
    boost::beast::http::field name;
    std::uint32_t at;
    std::uint32_t name_size;
    std::uint32_t value_size;
  };

 public:
  // One field, as Beast's fields iterate: name(), name_string(), value().
  class Field {
   public:
    Field(const std::string& text, const Entry& e)
        : name_(e.name),
          name_string_(text.data() + e.at, e.name_size),
          value_(text.data() + e.at + e.name_size, e.value_size) {}
    boost::beast::http::field name() const { return name_; }
    std::string_view name_string() const { return name_string_; }
    std::string_view value() const { return value_; }

   private:
    boost::beast::http::field name_;
    std::string_view name_string_;
    std::string_view value_;
  };

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;
    const_iterator(const std::string* text, std::vector<Entry>::const_iterator at)
        : text_(text), at_(at) {}
    Field operator*() const { return Field(*text_, *at_); }
    const_iterator& operator++() {
      ++at_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }
    bool operator!=(const const_iterator& o) const { return at_ != o.at_; }

   private:
    const std::string* text_;
    std::vector<Entry>::const_iterator at_;
  };

  void add(boost::beast::http::field name, std::string_view name_string, std::string_view value);
  void add(std::string_view name_string, std::string_view value);
  void clear();

  // The first field of that name (case-insensitive); empty when there is none.
  std::string_view operator[](std::string_view name) const;
  std::string_view operator[](boost::beast::http::field name) const;

  const_iterator begin() const { return {&text_, entries_.begin()}; }
  const_iterator end() const { return {&text_, entries_.end()}; }

 private:
  std::string text_;
  std::vector<Entry> entries_;
};

}  // namespace gw
