#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// One dispatched server-sent event.
struct SseEvent {
  std::string event;  // the `event:` field; empty means the spec's default, "message"
  std::string data;   // `data:` lines joined with '\n'
  std::string id;     // the `id:` field given in this event's bytes, empty if none
  // The exact bytes received since the previous dispatched event, through the blank line
  // that ended this one. That includes comment lines and any blocks that dispatched
  // nothing before it (a standalone ": ping" comment, an event without data), so that the
  // concatenation of all raws is the stream itself and a relay can forward byte for byte.
  std::string raw;
};

// Incremental text/event-stream parser, following the WHATWG EventSource rules the way the
// Anthropic SDKs apply them (messages-api-reference.md section 5.1):
//  - lines end at "\n", "\r\n" or "\r", also when "\r" and "\n" arrive in different
//    feeds; a leading UTF-8 BOM is skipped;
//  - an empty line dispatches the event, unless it had no `data:` line (then the event
//    and its bytes carry over into the next event's raw);
//  - lines starting with ':' are comments; "field: value" drops one space after the colon;
//    a line without a colon is a field with an empty value; unknown fields are ignored;
//  - `id:` (without NUL) and `retry:` (digits only) are recorded.
//
// A blank line that ends in a lone "\r" as the last byte of a feed is held until the next
// byte shows whether a "\n" follows, so that raw does not depend on how the stream was
// split. Only streams that use lone CR line endings ever wait on this; finish() releases
// the held event at the end of the stream.
//
// Bytes are copied once, into the pending event's raw; events are moved into `out`.
class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 16 * 1024 * 1024;

  explicit SseParser(std::size_t max_event_bytes = kDefaultMaxEventBytes);

  // Appends every event completed by `bytes` to `out`. After an overflow, does nothing.
  void feed(std::string_view bytes, std::vector<SseEvent>& out);

  // The stream ended: dispatches an event whose final "\r" was held. An incomplete event
  // is dropped, as the spec says; has_partial() tells whether there was one.
  void finish(std::vector<SseEvent>& out);

  // True when an event or line has started but not been completed: at the end of the
  // stream this means it was cut off. Completed blocks that dispatched nothing (a lone
  // comment) do not count.
  bool has_partial() const;

  // The pending event grew past max_event_bytes (raw, including carried-over comments).
  // The parser then drops all input and frees its buffers; the stream is unusable.
  bool overflowed() const { return overflowed_; }

  // The spec's "last event ID buffer": unlike SseEvent::id, it persists across events.
  const std::string& last_event_id() const { return last_event_id_; }

  // The last valid `retry:` value in milliseconds.
  std::optional<std::uint64_t> retry() const { return retry_; }

 private:
  void process_line(std::size_t begin, std::size_t end);
  void end_of_block(std::vector<SseEvent>& out);
  void check_size();

  std::size_t max_event_bytes_;
  std::string raw_;             // bytes since the last dispatched event
  std::size_t line_start_ = 0;  // where the unfinished line begins in raw_
  std::string event_;
  std::string data_;
  std::string id_;
  bool has_data_ = false;
  bool block_open_ = false;       // a non-empty line since the last empty one
  bool after_cr_ = false;         // the last byte seen was a "\r" ending a line
  bool held_blank_line_ = false;  // that "\r" ended an empty line not yet acted on
  bool at_stream_start_ = true;   // for the BOM
  bool overflowed_ = false;
  std::string last_event_id_;
  std::optional<std::uint64_t> retry_;
};

}  // namespace gw
