// UpstreamParser (server/upstream/upstream_parser) on any bytes, as an upstream connection
// feeds it: the wire in pieces whose sizes the input picks, the body into buffers of sizes
// the input picks, as UpstreamCall offers its read buffer. Whatever the bytes:
// - the same bytes give the same status, fields, body and end whatever the piece and
//   buffer sizes (TCP may cut anywhere; a reader's buffer may be any size);
// - a field's name is what the wire said, and the body is never longer than the wire.
//
// Input: byte 0 seeds the piece sizes, byte 1 the body buffer sizes, the rest is the wire.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/registry.hpp"
#include "server/upstream/upstream_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace gw::fuzz {
namespace {

namespace http = boost::beast::http;

struct Outcome {
  bool failed = false;
  bool done = false;
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool operator==(const Outcome&) const = default;
};

// `piece(i)` and `room(i)`: the i-th piece of wire and the i-th buffer offered.
template <class Piece, class Room>
Outcome parse(std::string_view wire, Piece piece, Room room) {
  UpstreamParser p;
  p.header_limit(64 * 1024);
  p.body_limit(boost::none);
  Outcome o;
  std::string pending;
  std::size_t at = 0;
  std::size_t pieces = 0;
  std::size_t offers = 0;
  std::vector<char> buffer;
  std::size_t offered = 0;
  std::size_t stalled_at = 0;  // bytes a put() took none of, asking for more
  for (int guard = 0; guard < 1'000'000 && !p.is_done(); ++guard) {
    if (p.is_header_done() && p.room() == 0) {
      offered = room(offers++);
      if (buffer.size() < offered) buffer.resize(offered);
      p.offer(buffer.data(), offered);
    }
    boost::system::error_code ec;
    const std::size_t before = p.room();
    char* const out = buffer.data() + (offered - before);
    std::size_t used = 0;
    // Beast 1.81 asserts that a last chunk it saw in exactly 3 bytes ("0\r\n", with no
    // trailer end yet) comes back with at least 5 (basic_parser.ipp:702, `n >= 5`); with 4
    // a build with assertions aborts, while release builds (NDEBUG) parse on correctly.
    // The message needs 5 bytes from there to end, so waiting for them changes no outcome.
    const bool beast_needs_five = stalled_at == 3 && pending.size() < 5;
    if (!pending.empty() && !beast_needs_five) {
      used = p.put(boost::asio::buffer(pending), ec);
      stalled_at = ec == http::error::need_more && used == 0 ? pending.size() : 0;
    }
    if (p.is_header_done() && offered > 0) o.body.append(out, before - p.room());
    pending.erase(0, used);
    if (ec == http::error::need_buffer) continue;
    if (ec && ec != http::error::need_more) {
      o.failed = true;
      break;
    }
    if (p.is_done()) break;
    if (used > 0 && !ec) continue;
    if (at == wire.size()) {
      // As Beast's reads do at end of stream: put_eof only after some bytes.
      if (p.got_some()) {
        p.put_eof(ec);
        o.failed = static_cast<bool>(ec);
      } else {
        o.failed = true;
      }
      break;
    }
    const std::size_t n = std::min(piece(pieces++), wire.size() - at);
    pending.append(wire.substr(at, n));
    at += n;
  }
  o.done = p.is_done();
  if (p.is_header_done()) {
    o.status = p.status();
    for (const auto f : p.headers()) o.fields.emplace_back(f.name_string(), f.value());
  }
  return o;
}

GW_FUZZ_TARGET(upstream_response) {
  if (size < 2) return;
  const unsigned piece_seed = data[0];
  const unsigned room_seed = data[1];
  const std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
  const Outcome whole = parse(
      wire, [&](std::size_t) { return wire.size() + 1; },
      [&](std::size_t) { return wire.size() + 1; });
  const Outcome cut = parse(
      wire, [&](std::size_t i) { return 1 + (piece_seed * 31 + i * 17) % 23; },
      [&](std::size_t i) { return 1 + (room_seed * 13 + i * 7) % 29; });
  // A failure may be found at a different point, so only what succeeded is compared whole.
  if (whole.failed != cut.failed) __builtin_trap();
  if (!whole.failed && !(whole == cut)) __builtin_trap();
  if (whole.body.size() > wire.size()) __builtin_trap();
  // A name is what the wire said (a value may not be: a folded line is joined with a space).
  for (const auto& [name, value] : whole.fields) {
    if (wire.find(name) == std::string_view::npos || value.size() > wire.size()) __builtin_trap();
  }
}

}  // namespace
}  // namespace gw::fuzz
