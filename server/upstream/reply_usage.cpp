#include "server/upstream/reply_usage.hpp"

#include "server/common/json_input.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace gw {

namespace {

using boost::system::error_code;
using std::string_view;

// Which of the four counts a key of the "usage" object names.
constexpr std::array<string_view, 4> kCounts = {
    "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"};

// Walks the events of the parse: the top-level object's "usage" member, and in it the
// counts, are the only values kept. Depth 1 is the top-level value's members.
class UsageHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return enter(false); }
  bool on_array_end(std::size_t, error_code&) { return leave(); }
  bool on_object_begin(error_code&) { return enter(true); }
  bool on_object_end(std::size_t, error_code&) { return leave(); }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return scalar(std::nullopt); }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    if (tracks_keys()) key_.append(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    if (tracks_keys()) key_.append(s);
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t v, string_view, error_code&) {
    return scalar(v >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v))
                         : std::nullopt);
  }
  bool on_uint64(std::uint64_t v, string_view, error_code&) { return scalar(v); }
  bool on_double(double, string_view, error_code&) { return scalar(std::nullopt); }
  bool on_bool(bool, error_code&) { return scalar(std::nullopt); }
  bool on_null(error_code&) { return scalar(std::nullopt); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  TokenUsage usage() const {
    TokenUsage u;
    std::uint64_t* out[] = {&u.input_tokens, &u.output_tokens, &u.cache_creation_input_tokens,
                            &u.cache_read_input_tokens};
    for (std::size_t i = 0; i < kCounts.size(); ++i) {
      if (counts_[i]) *out[i] = *counts_[i];
    }
    return u;
  }

 private:
  // Keys matter in the top-level object and in its "usage" object.
  bool tracks_keys() const { return (depth_ == 1 && top_is_object_) || (depth_ == 2 && in_usage_); }

  bool enter(bool object) {
    if (depth_ == 0) top_is_object_ = object;
    if (depth_ == 1 && top_is_object_ && key_ == "usage") {
      // The top-level object's "usage" member begins: the DOM keeps the last one, so its
      // counts start over.
      counts_ = {};
      in_usage_ = object;
    } else if (depth_ == 2 && in_usage_) {
      set_count(std::nullopt);  // a count that is an object or an array
    }
    key_.clear();
    ++depth_;
    return true;
  }

  bool leave() {
    --depth_;
    if (depth_ == 1) in_usage_ = false;
    key_.clear();
    return true;
  }

  bool scalar(std::optional<std::uint64_t> count) {
    if (depth_ == 1 && top_is_object_ && key_ == "usage") counts_ = {};  // not an object
    if (depth_ == 2 && in_usage_) set_count(count);
    key_.clear();
    return true;
  }

  void set_count(std::optional<std::uint64_t> count) {
    for (std::size_t i = 0; i < kCounts.size(); ++i) {
      if (key_ == kCounts[i]) counts_[i] = count;
    }
  }

  std::size_t depth_ = 0;
  bool top_is_object_ = false;
  bool in_usage_ = false;
  std::string key_;
  std::array<std::optional<std::uint64_t>, 4> counts_{};
};

}  // namespace

TokenUsage scan_reply_usage(std::string_view body, error_code& ec) {
  boost::json::parse_options options;
  options.max_depth = kMaxUpstreamDepth;
  boost::json::basic_parser<UsageHandler> p(options);
  const std::size_t used = p.write_some(false, body.data(), body.size(), ec);
  if (!ec && used < body.size()) ec = boost::json::error::extra_data;
  if (ec) return {};
  return p.handler().usage();
}

}  // namespace gw
