#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gw {

// One part of a multipart/form-data body (RFC 7578): a form field, or a file with its name
// and type.
struct FormPart {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;  // as sent; empty when the part has none
  std::string data;
};

struct MultipartLimits {
  std::size_t max_header_bytes = 8 * 1024;  // one part's header block
  std::size_t max_parts = 64;
  // The parts' data together: the caller's body limit.
  std::size_t max_data_bytes = std::numeric_limits<std::size_t>::max();
};

struct MultipartError {
  bool too_large = false;  // over max_data_bytes (a 413), rather than malformed (a 400)
  std::string message;
};

// Whether a Content-Type names multipart/form-data, whatever its parameters.
bool is_multipart_form(std::string_view content_type);

// The boundary a multipart/form-data Content-Type declares, quoted or not, checked against
// RFC 2046 (1 to 70 characters of its set, not ending in a space).
std::variant<std::string, MultipartError> multipart_boundary(std::string_view content_type);

// A push parser: the body goes in as it arrives, split anywhere, and the result does not
// depend on where. Each byte is looked at a bounded number of times (no rescanning of
// what was already searched), and what is held besides the parts' data is bounded by
// max_header_bytes and the boundary's length. Strict where RFC 2046 is (CRLF line ends, a
// delimiter followed by CRLF or "--"); the preamble and epilogue are ignored. The first
// error stops it; nothing throws.
class MultipartParser {
 public:
  explicit MultipartParser(std::string_view boundary, MultipartLimits limits = {});

  // False once the body is known to be malformed (see error()).
  bool feed(std::string_view chunk);
  // The body ended: false unless the closing delimiter was seen.
  bool finish();

  const std::optional<MultipartError>& error() const { return error_; }
  // The complete parts, in body order.
  std::vector<FormPart>& parts() { return parts_; }

 private:
  enum class State { preamble, after_delimiter, headers, data, epilogue, failed };

  void run();
  bool fail(std::string message, bool too_large = false);
  // Searches for the delimiter from where the last search stopped; what surely precedes
  // it goes to the current part (or nowhere, in the preamble).
  bool scan_for_delimiter(bool keep);
  bool after_delimiter();
  bool start_part();
  bool header_lines();
  bool header_line(std::string_view line);
  bool end_of_headers();

  MultipartLimits limits_;
  std::string delimiter_;  // CRLF "--" boundary
  State state_ = State::preamble;
  std::string buffer_;
  std::size_t at_ = 0;    // buffer_ before this is consumed
  std::size_t scan_ = 0;  // a header line's CRLF is not before this
  std::size_t padding_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t data_bytes_ = 0;
  bool has_disposition_ = false;
  bool has_type_ = false;
  FormPart part_;
  std::vector<FormPart> parts_;
  std::optional<MultipartError> error_;
};

// A whole body through the parser: the parts, or why not.
std::variant<std::vector<FormPart>, MultipartError> parse_multipart(std::string_view content_type,
                                                                    std::string_view body,
                                                                    MultipartLimits limits = {});

}  // namespace gw
