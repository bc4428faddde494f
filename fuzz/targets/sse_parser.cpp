// SseParser against the stream split three ways (whole, byte by byte, in fuzzer-chosen
// chunks) and against a plain whole-stream reading of the rules its header states. Any
// difference is a bug: a relay's output must not depend on how TCP cut the stream.
//
// Input: byte 0 picks max_event_bytes (below 0x80: the default; else 1 to 128, so that
// overflow is reached), byte 1 seeds the chunk sizes, the rest is the stream.
#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/registry.hpp"
#include "server/sse/sse_parser.hpp"

namespace gw::fuzz {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct Outcome {
  std::vector<SseEvent> events;
  std::string last_event_id;
  std::optional<std::uint64_t> retry;
  bool partial_before_finish = false;
  bool partial = false;
  bool overflowed = false;
};

template <typename Split>
Outcome parse(std::string_view stream, std::size_t max_event_bytes, Split split) {
  SseParser parser(max_event_bytes);
  Outcome o;
  split(stream, [&](std::string_view piece) { parser.feed(piece, o.events); });
  o.partial_before_finish = parser.has_partial();
  parser.finish(o.events);
  o.last_event_id = parser.last_event_id();
  o.retry = parser.retry();
  o.partial = parser.has_partial();
  o.overflowed = parser.overflowed();
  return o;
}

// The rules, read over the whole stream at once: what the incremental parser must agree
// with after finish().
Outcome reference(std::string_view s) {
  Outcome o;
  std::string event, data, id;
  bool has_data = false;
  bool block_open = false;
  std::size_t event_start = 0;  // where the next dispatched event's raw begins
  std::size_t i = 0;
  bool first_line = true;
  while (i < s.size()) {
    const std::size_t eol = s.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) break;  // an unterminated line is never processed
    std::size_t next = eol + 1;
    if (s[eol] == '\r' && next < s.size() && s[next] == '\n') ++next;
    std::string_view line = s.substr(i, eol - i);
    if (first_line && line.starts_with(kBom)) line.remove_prefix(kBom.size());
    first_line = false;
    i = next;
    if (line.empty()) {
      block_open = false;
      if (has_data) {
        o.events.push_back(
            SseEvent{event, data, id, std::string(s.substr(event_start, next - event_start))});
        event_start = next;
        data.clear();
        id.clear();
        has_data = false;
      }
      event.clear();
      continue;
    }
    block_open = true;
    if (line.front() == ':') continue;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (field == "data") {
      if (has_data) data += '\n';
      data += value;
      has_data = true;
    } else if (field == "event") {
      event = value;
    } else if (field == "id" && value.find('\0') == std::string_view::npos) {
      id = value;
      o.last_event_id = value;
    } else if (field == "retry" && !value.empty() &&
               value.find_first_not_of("0123456789") == std::string_view::npos) {
      std::uint64_t ms = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), ms).ec == std::errc()) {
        o.retry = ms;
      }
    }
  }
  o.partial = block_open || i < s.size();
  return o;
}

// Whether the stream holds an event (dispatched or pending) whose raw would pass `max`:
// then the parser must report an overflow, and otherwise it must not.
bool reference_overflows(std::string_view s, const Outcome& ref, std::size_t max) {
  std::size_t consumed = 0;
  for (const SseEvent& e : ref.events) {
    if (e.raw.size() > max) return true;
    consumed += e.raw.size();
  }
  return s.size() - consumed > max;
}

bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].event != b[k].event || a[k].data != b[k].data || a[k].id != b[k].id ||
        a[k].raw != b[k].raw) {
      return false;
    }
  }
  return true;
}

void check_same(const Outcome& a, const Outcome& b, std::string_view how) {
  const std::string prefix = std::string(how) + ": ";
  if (!same_events(a.events, b.events)) fail("sse_parser", prefix + "events differ");
  if (a.overflowed != b.overflowed) fail("sse_parser", prefix + "overflowed differs");
  if (a.overflowed) return;  // after an overflow the rest is unspecified
  if (a.last_event_id != b.last_event_id) fail("sse_parser", prefix + "last_event_id differs");
  if (a.retry != b.retry) fail("sse_parser", prefix + "retry differs");
  if (a.partial != b.partial) fail("sse_parser", prefix + "has_partial differs");
}

}  // namespace

GW_FUZZ_TARGET(sse_parser) {
  if (size < 2) return;
  const std::size_t max_event_bytes =
      data[0] < 0x80 ? SseParser::kDefaultMaxEventBytes : 1 + std::size_t{data[0] & 0x7fu};
  std::uint32_t seed = data[1] * 2654435761u + 1;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  const Outcome whole =
      parse(stream, max_event_bytes, [](std::string_view s, auto feed) { feed(s); });
  const Outcome bytes = parse(stream, max_event_bytes, [](std::string_view s, auto feed) {
    for (std::size_t i = 0; i < s.size(); ++i) feed(s.substr(i, 1));
  });
  const Outcome chunks = parse(stream, max_event_bytes, [&](std::string_view s, auto feed) {
    std::size_t i = 0;
    while (i < s.size()) {
      seed = seed * 1103515245u + 12345u;
      const std::size_t n = (seed >> 16) % 17;  // 0 feeds an empty piece
      feed(s.substr(i, n));
      i += n;
    }
  });
  check_same(whole, bytes, "byte by byte vs whole");
  check_same(whole, chunks, "chunked vs whole");
  if (whole.partial_before_finish != bytes.partial_before_finish ||
      whole.partial_before_finish != chunks.partial_before_finish) {
    fail("sse_parser", "has_partial before finish() depends on the split");
  }

  const Outcome ref = reference(stream);
  if (whole.overflowed != reference_overflows(stream, ref, max_event_bytes)) {
    fail("sse_parser", whole.overflowed ? "overflowed with no event over the limit"
                                        : "an event over the limit did not overflow");
  }
  if (whole.overflowed) {
    // What was dispatched before the overflow is still right.
    const std::vector<SseEvent> head(
        ref.events.begin(), ref.events.begin() + std::min(ref.events.size(), whole.events.size()));
    if (!same_events(whole.events, head))
      fail("sse_parser", "events before the overflow are wrong");
    return;
  }
  check_same(whole, ref, "parser vs reference");

  std::string joined;
  for (const SseEvent& e : whole.events) joined += e.raw;
  if (stream.substr(0, joined.size()) != joined) {
    fail("sse_parser", "the raws are not the stream's bytes in order");
  }
}

}  // namespace gw::fuzz
