// The request reader (server/http/request_reader) on any bytes, as a connection feeds it:
// into a buffer capped at buffer_limit(), in pieces whose sizes the input picks, one
// request after another on the same buffer (pipelining). The rules it must keep whatever
// the bytes:
// - it ends each request in need_more, complete or refused, and says header_done at most
//   once, before complete;
// - a refusal is one of the answers the server gives for bad framing (400, 413, 431, 501),
//   in the API error shape's types;
// - a complete request has a body within max_body_bytes, no Transfer-Encoding but
//   `chunked`, never both framings, and not a byte of trailer merged into its fields;
// - the same bytes give the same requests whatever the piece sizes (TCP may cut anywhere);
//   only the reason for refusing what follows them may differ.
//
// Input: byte 0 picks the header limit (1 KiB + 64 * b), byte 1 seeds the piece sizes, the
// rest is the wire.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/registry.hpp"
#include "server/http/request_reader.hpp"

namespace gw::fuzz {
namespace {

struct Outcome {
  std::vector<std::string> requests;  // each complete request, summarised
  unsigned refused = 0;               // the refusal's status, 0 if none
  std::string why;                    // the refusal's message
  // Beast checks a header's fields as soon as it first looks at them, but once it has
  // asked for more it waits for the blank line before looking again. So a bad field is
  // refused at once (400) when the bytes came together, and when they trickled in it is
  // still awaited, or refused for the header's size (431) first. What must not depend on
  // the cut is what was accepted.
  bool agrees_with(const Outcome& o) const { return requests == o.requests; }
};

std::string summary(Request& req) {
  std::string s(req.method_string());
  s += ' ';
  s += req.target();
  for (const auto& f : req) {
    s += '|';
    s += f.name_string();
    s += ':';
    s += f.value();
  }
  s += '#';
  s += req.body();
  return s;
}

void check_complete(const RequestReader::Limits& limits, Request& req) {
  if (req.body().size() > limits.max_body_bytes) fail("http_request", "body over the limit");
  // The codings of every Transfer-Encoding line, read here independently of the reader:
  // a list whose empty elements do not count (RFC 9110 5.6.1).
  std::vector<std::string> codings;
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  for (auto it = first; it != last; ++it) {
    std::string item;
    for (char c : std::string(it->value()) + ",") {
      if (c == ',') {
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
        if (!item.empty()) codings.push_back(item);
        item.clear();
      } else if (!(item.empty() && (c == ' ' || c == '\t'))) {
        item += c;
      }
    }
  }
  if (first == last) return;
  if (req.find(http::field::content_length) != req.end()) {
    fail("http_request", "both Transfer-Encoding and Content-Length accepted");
  }
  if (codings.size() != 1 || !beast::iequals(codings[0], "chunked")) {
    fail("http_request", "a transfer coding other than chunked accepted");
  }
}

// seed 0: every read fills the buffer's room, as a fast sender on a fast link would.
Outcome read_all(std::string_view wire, const RequestReader::Limits& limits, unsigned seed) {
  Outcome out;
  beast::flat_buffer buffer(RequestReader::buffer_limit(limits));
  std::size_t pos = 0;
  unsigned piece = seed;
  for (int n = 0; n < 8; ++n) {  // requests on one connection
    RequestReader reader(limits);
    bool header_seen = false;
    for (;;) {
      auto step = reader.parse(buffer);
      if (buffer.size() > buffer.max_size()) fail("http_request", "buffer over its cap");
      if (step == RequestReader::Step::header_done) {
        if (header_seen) fail("http_request", "header_done twice");
        header_seen = true;
        continue;
      }
      if (step == RequestReader::Step::refused) {
        auto status = static_cast<unsigned>(reader.refusal().status);
        if (status != 400 && status != 413 && status != 431 && status != 501) {
          fail("http_request", "refused with status " + std::to_string(status));
        }
        if (reader.refusal().type != "invalid_request_error" &&
            reader.refusal().type != "request_too_large") {
          fail("http_request", "refused with type " + reader.refusal().type);
        }
        out.refused = status;
        out.why = reader.refusal().message;
        return out;
      }
      if (step == RequestReader::Step::complete) {
        if (!header_seen) fail("http_request", "complete without header_done");
        check_complete(limits, reader.request());
        out.requests.push_back(summary(reader.request()));
        break;
      }
      // need_more: the next piece, 1 to 64 bytes or 4 KiB, as the seed says.
      std::size_t room = buffer.max_size() - buffer.size();
      if (room == 0) fail("http_request", "need_more with a full buffer");
      piece = piece * 1103515245u + 12345u;
      std::size_t want = seed == 0 ? room : (piece >> 16) % 8 == 0 ? 4096 : 1 + (piece >> 16) % 64;
      std::size_t n_bytes = std::min({want, room, wire.size() - pos});
      if (n_bytes == 0) return out;  // the client stopped sending
      auto dst = buffer.prepare(n_bytes);
      std::memcpy(dst.data(), wire.data() + pos, n_bytes);
      buffer.commit(n_bytes);
      pos += n_bytes;
    }
  }
  return out;
}

}  // namespace

GW_FUZZ_TARGET(http_request) {
  if (size < 2) return;
  const RequestReader::Limits limits{1024 + 64 * std::size_t{data[0]}, 64 * 1024};
  const std::string_view wire(reinterpret_cast<const char*>(data + 2), size - 2);
  auto pieces = read_all(wire, limits, 1u + data[1]);
  auto whole = read_all(wire, limits, 0);
  if (!pieces.agrees_with(whole)) {
    auto show = [](const Outcome& o) {
      return std::to_string(o.requests.size()) + " request(s), refused " +
             std::to_string(o.refused) + " " + o.why;
    };
    fail("http_request", "the outcome depends on how the bytes were cut: in pieces " +
                             show(pieces) + ", whole " + show(whole));
  }
}

}  // namespace gw::fuzz
