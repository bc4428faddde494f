#include "server/upstream/upstream_headers.hpp"

#include <boost/beast/core/string.hpp>

namespace gw {

namespace http = boost::beast::http;

void UpstreamHeaders::add(http::field name, std::string_view name_string, std::string_view value) {
  entries_.push_back({name, static_cast<std::uint32_t>(text_.size()),
                      static_cast<std::uint32_t>(name_string.size()),
                      static_cast<std::uint32_t>(value.size())});
  text_.append(name_string);
  text_.append(value);
}

void UpstreamHeaders::add(std::string_view name_string, std::string_view value) {
  add(http::string_to_field(name_string), name_string, value);
}

void UpstreamHeaders::clear() {
  text_.clear();
  entries_.clear();
}

std::string_view UpstreamHeaders::operator[](std::string_view name) const {
  for (const Field f : *this) {
    if (boost::beast::iequals(f.name_string(), name)) return f.value();
  }
  return {};
}

std::string_view UpstreamHeaders::operator[](http::field name) const {
  for (const Field f : *this) {
    if (f.name() == name) return f.value();
  }
  return {};
}

}  // namespace gw
