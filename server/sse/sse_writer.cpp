#include "server/sse/sse_writer.hpp"

#include "server/sse/line_end.hpp"

#include <vector>

namespace gw {
namespace {

struct Line {
  std::size_t begin;        // first byte
  std::size_t content_end;  // first byte of the line ending
  std::size_t end;          // one past the line ending
};

// Splits at "\n", "\r\n" or "\r"; a last line without an ending is included.
std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t eol = find_line_end(text, i);
    if (eol == std::string_view::npos) {
      lines.push_back({i, text.size(), text.size()});
      break;
    }
    std::size_t next = eol + 1;
    if (text[eol] == '\r' && next < text.size() && text[next] == '\n') ++next;
    lines.push_back({i, eol, next});
    i = next;
  }
  return lines;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  // Line breaks are dropped: a value is one line.
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t eol = find_line_end(value, i);
    if (eol == std::string_view::npos) {
      out.append(value.substr(i));
      break;
    }
    out.append(value.substr(i, eol - i));
    i = eol + 1;
  }
  out.push_back('\n');
}

// Calls f(line) for each line of text, split at "\n", "\r\n" or "\r"; "" is one line.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t i = 0;
  while (true) {
    const std::size_t eol = find_line_end(text, i);
    if (eol == std::string_view::npos) {
      f(text.substr(i));
      return;
    }
    f(text.substr(i, eol - i));
    i = eol + 1;
    if (text[eol] == '\r' && i < text.size() && text[i] == '\n') ++i;
  }
}

bool is_id_line(std::string_view line) {
  return line == "id" || line.starts_with("id:");
}

}  // namespace

std::string sse_event(std::string_view event, std::string_view data, std::string_view id) {
  std::string out;
  out.reserve(event.size() + data.size() + id.size() + 24);
  if (!id.empty()) append_field(out, "id", id);
  if (!event.empty()) append_field(out, "event", event);
  for_each_line(data, [&](std::string_view line) {
    out.append("data: ");
    out.append(line);
    out.push_back('\n');
  });
  out.push_back('\n');
  return out;
}

std::string sse_comment(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 4);
  for_each_line(text, [&](std::string_view line) {
    out.push_back(':');
    if (!line.empty()) {
      out.push_back(' ');
      out.append(line);
    }
    out.push_back('\n');
  });
  out.push_back('\n');
  return out;
}

std::string with_id(std::string_view raw_event, std::string_view id) {
  const std::vector<Line> lines = split_lines(raw_event);
  // The event's block starts after the last empty line that precedes its own terminator.
  std::size_t last = lines.size();
  while (last > 0 && lines[last - 1].begin == lines[last - 1].content_end) --last;
  std::size_t first = last;
  while (first > 0 && lines[first - 1].begin != lines[first - 1].content_end) --first;
  const std::size_t block_start = first < lines.size() ? lines[first].begin : raw_event.size();

  std::string out;
  out.reserve(raw_event.size() + id.size() + 6);
  out.append(raw_event.substr(0, block_start));
  append_field(out, "id", id);
  for (std::size_t i = first; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const auto content = raw_event.substr(line.begin, line.content_end - line.begin);
    if (i < last && is_id_line(content)) continue;
    out.append(raw_event.substr(line.begin, line.end - line.begin));
  }
  return out;
}

}  // namespace gw
