#include "server/http/multipart_parser.hpp"

#include <boost/beast/core/string.hpp>

namespace gw {

namespace {

using boost::beast::iequals;

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_boundary_char(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// A header value such as `form-data; name="x"; filename="a b.png"`: its leading type and
// its parameters (names as sent, values unquoted). A quoted-string takes `\"` and `\\` as
// escapes and keeps any other backslash, which old browsers send unescaped in Windows
// paths. Nullopt when malformed (an unterminated quote, a parameter without `=`).
struct HeaderValue {
  std::string_view type;
  std::vector<std::pair<std::string_view, std::string>> params;
};

std::optional<HeaderValue> parse_header_value(std::string_view s) {
  HeaderValue out;
  std::size_t i = s.find(';');
  out.type = trim(s.substr(0, i));
  while (i != std::string_view::npos && i < s.size()) {
    ++i;  // past ';'
    while (i < s.size() && is_ows(s[i])) ++i;
    if (i == s.size()) break;  // a trailing ';'
    const std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(s.substr(i, eq - i));
    if (name.empty()) return std::nullopt;
    for (char c : name) {
      if (!is_token_char(c) && c != '*') return std::nullopt;
    }
    i = eq + 1;
    while (i < s.size() && is_ows(s[i])) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        const char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) {
          value += s[i++];
        } else {
          value += c;
        }
      }
      if (!closed) return std::nullopt;
      while (i < s.size() && is_ows(s[i])) ++i;
      if (i < s.size() && s[i] != ';') return std::nullopt;
    } else {
      const std::size_t end = s.find(';', i);
      value = std::string(trim(s.substr(i, end - i)));
      i = end;
    }
    out.params.emplace_back(name, std::move(value));
    if (i != std::string_view::npos && i < s.size() && s[i] != ';') return std::nullopt;
  }
  return out;
}

const std::string* param(const HeaderValue& v, std::string_view name) {
  for (const auto& [k, value] : v.params) {
    if (iequals(k, name)) return &value;
  }
  return nullptr;
}

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), "multipart/form-data");
}

std::variant<std::string, MultipartError> multipart_boundary(std::string_view content_type) {
  if (!is_multipart_form(content_type)) {
    return MultipartError{false, "Content-Type is not multipart/form-data"};
  }
  auto value = parse_header_value(content_type);
  if (!value) return MultipartError{false, "malformed Content-Type parameters"};
  const std::string* boundary = param(*value, "boundary");
  if (!boundary) return MultipartError{false, "multipart/form-data needs a boundary parameter"};
  if (boundary->empty() || boundary->size() > kMaxBoundary) {
    return MultipartError{false, "the boundary must be 1 to 70 characters (RFC 2046)"};
  }
  for (char c : *boundary) {
    if (!is_boundary_char(c)) {
      return MultipartError{false, "the boundary holds a character RFC 2046 does not allow"};
    }
  }
  if (boundary->back() == ' ') {
    return MultipartError{false, "the boundary must not end in a space (RFC 2046)"};
  }
  return *boundary;
}

// The body is read as if it began with CRLF, so that the first delimiter (which may open
// the body) is found like every other: CRLF "--" boundary.
MultipartParser::MultipartParser(std::string_view boundary, MultipartLimits limits)
    : limits_(limits), delimiter_("\r\n--" + std::string(boundary)), buffer_("\r\n") {}

bool MultipartParser::fail(std::string message, bool too_large) {
  if (!error_) error_ = MultipartError{too_large, std::move(message)};
  state_ = State::failed;
  return false;
}

bool MultipartParser::feed(std::string_view chunk) {
  if (state_ == State::failed) return false;
  if (state_ == State::epilogue) return true;
  // Dropping what was consumed costs what is kept, which is at most what was consumed: linear
  // over the body.
  if (at_ > 0 && at_ * 2 >= buffer_.size()) {
    buffer_.erase(0, at_);
    scan_ = scan_ > at_ ? scan_ - at_ : 0;
    at_ = 0;
  }
  buffer_.append(chunk);
  run();
  return state_ != State::failed;
}

bool MultipartParser::finish() {
  if (state_ == State::failed) return false;
  run();
  if (state_ == State::failed) return false;
  if (state_ != State::epilogue) {
    return fail("the body ends before the closing boundary delimiter");
  }
  return true;
}

void MultipartParser::run() {
  for (;;) {
    bool progressed = false;
    switch (state_) {
      case State::preamble:
        progressed = scan_for_delimiter(false);
        break;
      case State::data:
        progressed = scan_for_delimiter(true);
        break;
      case State::after_delimiter:
        progressed = after_delimiter();
        break;
      case State::headers:
        progressed = header_lines();
        break;
      case State::epilogue:
        at_ = buffer_.size();
        return;
      case State::failed:
        return;
    }
    if (!progressed) return;
  }
}

bool MultipartParser::scan_for_delimiter(bool keep) {
  const std::size_t found = buffer_.find(delimiter_, at_);
  const std::size_t end = found != std::string::npos ? found
                          : buffer_.size() >= delimiter_.size() - 1
                              ? std::max(at_, buffer_.size() - (delimiter_.size() - 1))
                              : at_;
  if (keep && end > at_) {
    data_bytes_ += end - at_;
    if (data_bytes_ > limits_.max_data_bytes) {
      return fail("the parts' data is over " + std::to_string(limits_.max_data_bytes) + " bytes",
                  true);
    }
    part_.data.append(buffer_, at_, end - at_);
  }
  at_ = end;
  if (found == std::string::npos) return false;
  at_ += delimiter_.size();
  if (keep) parts_.push_back(std::move(part_));
  part_ = FormPart{};
  padding_ = 0;
  state_ = State::after_delimiter;
  return true;
}

bool MultipartParser::after_delimiter() {
  // Transport padding (RFC 2046) may follow a delimiter, before its CRLF.
  while (at_ < buffer_.size() && is_ows(buffer_[at_])) {
    ++at_;
    if (++padding_ > limits_.max_header_bytes) {
      return fail("a part's headers are over " + std::to_string(limits_.max_header_bytes) +
                  " bytes");
    }
  }
  // Each byte is judged as it comes: a wrong one fails now, whatever follows.
  const std::size_t held = buffer_.size() - at_;
  if (held == 0) return false;
  const char first = buffer_[at_];
  const char second = held > 1 ? buffer_[at_ + 1] : '\0';
  if (first == '-' && padding_ == 0) {
    if (held == 1) return false;
    if (second == '-') {
      state_ = State::epilogue;
      return true;
    }
  } else if (first == '\r' && (held == 1 || second == '\n')) {
    if (held == 1) return false;
    at_ += 2;
    return start_part();
  }
  return fail("a boundary delimiter must be followed by CRLF or \"--\"");
}

bool MultipartParser::start_part() {
  if (parts_.size() >= limits_.max_parts) {
    return fail("more than " + std::to_string(limits_.max_parts) + " parts");
  }
  header_bytes_ = padding_;
  has_disposition_ = has_type_ = false;
  scan_ = at_;
  state_ = State::headers;
  return true;
}

bool MultipartParser::header_lines() {
  for (;;) {
    const std::size_t eol = buffer_.find("\r\n", std::max(at_, scan_));
    if (eol == std::string::npos) {
      // A lone CR at the end may be the start of the CRLF still to come.
      scan_ = buffer_.empty() ? 0 : buffer_.size() - 1;
      if (header_bytes_ + (buffer_.size() - at_) > limits_.max_header_bytes) {
        return fail("a part's headers are over " + std::to_string(limits_.max_header_bytes) +
                    " bytes");
      }
      return false;
    }
    const std::string_view line(buffer_.data() + at_, eol - at_);
    header_bytes_ += line.size() + 2;
    if (header_bytes_ > limits_.max_header_bytes) {
      return fail("a part's headers are over " + std::to_string(limits_.max_header_bytes) +
                  " bytes");
    }
    at_ = eol + 2;
    if (line.empty()) return end_of_headers();
    if (!header_line(line)) return false;
  }
}

bool MultipartParser::header_line(std::string_view line) {
  const std::string which = "part " + std::to_string(parts_.size() + 1);
  for (char c : line) {
    if (c == '\r' || c == '\n') return fail(which + ": header lines must end in CRLF");
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
      return fail(which + ": a header holds a control character");
    }
  }
  if (is_ows(line.front())) return fail(which + ": folded header lines are not supported");
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return fail(which + ": malformed header line");
  }
  const std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!is_token_char(c)) return fail(which + ": malformed header line");
  }
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "content-disposition")) {
    if (has_disposition_) return fail(which + " has two Content-Disposition headers");
    has_disposition_ = true;
    auto parsed = parse_header_value(value);
    if (!parsed) return fail(which + ": malformed Content-Disposition");
    if (!iequals(parsed->type, "form-data")) {
      return fail(which + ": Content-Disposition must be form-data");
    }
    if (const std::string* n = param(*parsed, "name")) part_.name = *n;
    if (const std::string* f = param(*parsed, "filename")) part_.filename = *f;
  } else if (iequals(name, "content-type")) {
    if (has_type_) return fail(which + " has two Content-Type headers");
    has_type_ = true;
    part_.content_type = std::string(value);
  }
  // Anything else (Content-Transfer-Encoding, which RFC 7578 deprecates, among them) is
  // not used.
  return true;
}

bool MultipartParser::end_of_headers() {
  if (!has_disposition_ || part_.name.empty()) {
    return fail("part " + std::to_string(parts_.size() + 1) +
                " has no Content-Disposition: form-data header with a name");
  }
  state_ = State::data;
  return true;
}

std::variant<std::vector<FormPart>, MultipartError> parse_multipart(std::string_view content_type,
                                                                    std::string_view body,
                                                                    MultipartLimits limits) {
  auto boundary = multipart_boundary(content_type);
  if (auto* e = std::get_if<MultipartError>(&boundary)) return std::move(*e);
  MultipartParser parser(std::get<std::string>(boundary), limits);
  if (!parser.feed(body) || !parser.finish()) return *parser.error();
  return std::move(parser.parts());
}

}  // namespace gw
