#include "server/sse/sse_parser.hpp"

#include "server/sse/line_end.hpp"

#include <charconv>
#include <utility>

namespace gw {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (overflowed_ || bytes.empty()) return;
  std::size_t i = 0;
  if (after_cr_) {
    after_cr_ = false;
    if (bytes.front() == '\n') {
      raw_.push_back('\n');
      line_start_ = raw_.size();
      i = 1;
      // Counted as it would be had "\r\n" come in one feed: the limit must not depend on
      // where the stream was split.
      check_size();
      if (overflowed_) return;
    }
    if (held_blank_line_) {
      held_blank_line_ = false;
      end_of_block(out);
    }
  }
  while (i < bytes.size()) {
    const std::size_t eol = find_line_end(bytes, i);
    if (eol == std::string_view::npos) {
      raw_.append(bytes.substr(i));
      check_size();
      return;
    }
    raw_.append(bytes.substr(i, eol - i));
    const std::size_t line_end = raw_.size();
    std::size_t next = eol + 1;
    if (bytes[eol] == '\r') {
      if (next == bytes.size()) {
        after_cr_ = true;
      } else if (bytes[next] == '\n') {
        ++next;
      }
    }
    raw_.append(bytes.substr(eol, next - eol));
    std::size_t begin = line_start_;
    line_start_ = raw_.size();
    i = next;
    check_size();
    if (overflowed_) return;
    if (at_stream_start_) {
      at_stream_start_ = false;
      if (std::string_view(raw_).substr(begin, line_end - begin).starts_with(kBom)) {
        begin += kBom.size();
      }
    }
    if (begin != line_end) {
      process_line(begin, line_end);
    } else if (after_cr_) {
      held_blank_line_ = true;
    } else {
      end_of_block(out);
    }
  }
}

void SseParser::finish(std::vector<SseEvent>& out) {
  after_cr_ = false;
  if (held_blank_line_) {
    held_blank_line_ = false;
    end_of_block(out);
  }
}

bool SseParser::has_partial() const {
  return !overflowed_ && (block_open_ || line_start_ < raw_.size());
}

void SseParser::process_line(std::size_t begin, std::size_t end) {
  block_open_ = true;
  const std::string_view line(raw_.data() + begin, end - begin);
  if (line.front() == ':') return;
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    // The spec ignores an id with NUL: it could not be sent back in Last-Event-ID.
    if (value.find('\0') == std::string_view::npos) {
      id_.assign(value);
      last_event_id_.assign(value);
    }
  } else if (field == "retry") {
    std::uint64_t ms = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (!value.empty() && ec == std::errc() && ptr == value.data() + value.size()) retry_ = ms;
  }
}

void SseParser::end_of_block(std::vector<SseEvent>& out) {
  block_open_ = false;
  if (!has_data_) {
    // Nothing to dispatch; the block's bytes stay in raw_ and travel with the next event.
    event_.clear();
    return;
  }
  // Copied, not moved: the buffers keep their capacity for the next event, so an event
  // costs one exact allocation per field instead of regrowing each from empty. A buffer
  // that a large event grew is given away instead, not kept for the rest of the stream.
  constexpr std::size_t kKeepCapacity = 16 * 1024;
  if (raw_.capacity() > kKeepCapacity) {
    out.push_back(SseEvent{std::move(event_), std::move(data_), std::move(id_), std::move(raw_)});
  } else {
    out.push_back(SseEvent{event_, data_, id_, raw_});
  }
  event_.clear();
  data_.clear();
  id_.clear();
  raw_.clear();
  has_data_ = false;
  line_start_ = 0;
}

void SseParser::check_size() {
  if (raw_.size() <= max_event_bytes_) return;
  overflowed_ = true;
  // Release the memory: an oversized event is the one case where holding on would hurt.
  raw_ = std::string();
  data_ = std::string();
  event_ = std::string();
  id_ = std::string();
  line_start_ = 0;
  block_open_ = false;
  has_data_ = false;
  held_blank_line_ = false;
  after_cr_ = false;
}

}  // namespace gw
