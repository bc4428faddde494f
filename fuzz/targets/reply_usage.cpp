// scan_reply_usage (a SAX walk) against what the DOM says of the same bytes: the same
// verdict on whether it is JSON, and the same counts as read_usage finds in the document.
#include <boost/json.hpp>

#include <string_view>

#include "fuzz/registry.hpp"
#include "server/common/json_input.hpp"
#include "server/upstream/message_usage.hpp"
#include "server/upstream/reply_usage.hpp"

namespace gw::fuzz {

GW_FUZZ_TARGET(reply_usage) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  boost::system::error_code scan_ec, dom_ec;
  const TokenUsage scanned = scan_reply_usage(body, scan_ec);
  const boost::json::value dom = parse_upstream_json(body, dom_ec);
  if (static_cast<bool>(scan_ec) != static_cast<bool>(dom_ec)) {
    fail("reply_usage", "the scan and the DOM disagree on whether the body is JSON");
  }
  if (dom_ec) return;
  TokenUsage read;
  if (const auto* reply = dom.if_object()) read_usage(reply->if_contains("usage"), read);
  if (scanned.input_tokens != read.input_tokens || scanned.output_tokens != read.output_tokens ||
      scanned.cache_creation_input_tokens != read.cache_creation_input_tokens ||
      scanned.cache_read_input_tokens != read.cache_read_input_tokens) {
    fail("reply_usage", "the scan's counts are not the DOM's");
  }
}

}  // namespace gw::fuzz
