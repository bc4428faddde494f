// MultipartParser against any split of the body (whole, in two at a fuzzer-chosen byte,
// byte by byte): the parts or the error must not depend on where TCP cut the body. Parts
// that parse go through the turn form conversion, whose output must be JSON.
//
// Input: byte 0 picks the split, byte 1 the limits (odd: tiny ones, so that every limit is
// reached), then the Content-Type up to the first '\n', then the body.
#include <boost/json/parse.hpp>

#include <string>
#include <string_view>

#include "fuzz/registry.hpp"
#include "server/http/multipart_parser.hpp"
#include "server/sessions/turn_form.hpp"

namespace gw::fuzz {
namespace {

struct Result {
  std::vector<FormPart> parts;
  std::optional<MultipartError> error;
};

template <typename Split>
Result parse(std::string_view boundary, const MultipartLimits& limits, std::string_view body,
             Split split) {
  MultipartParser parser(boundary, limits);
  bool ok = true;
  split(body, [&](std::string_view piece) { ok = parser.feed(piece) && ok; });
  if (ok) ok = parser.finish();
  if (ok != !parser.error()) fail("multipart", "feed/finish disagree with error()");
  return {std::move(parser.parts()), parser.error()};
}

void check_same(const Result& a, const Result& b, std::string_view how) {
  const std::string prefix = std::string(how) + ": ";
  if (a.error.has_value() != b.error.has_value()) fail("multipart", prefix + "one failed");
  if (a.error) {
    if (a.error->message != b.error->message || a.error->too_large != b.error->too_large) {
      fail("multipart", prefix + "errors differ");
    }
    return;
  }
  if (a.parts.size() != b.parts.size()) fail("multipart", prefix + "part counts differ");
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    const FormPart& x = a.parts[i];
    const FormPart& y = b.parts[i];
    if (x.name != y.name || x.filename != y.filename || x.content_type != y.content_type ||
        x.data != y.data) {
      fail("multipart", prefix + "parts differ");
    }
  }
}

}  // namespace

GW_FUZZ_TARGET(multipart) {
  if (size < 2) return;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t newline = input.find('\n');
  const std::string_view content_type = newline == std::string_view::npos
                                            ? std::string_view("multipart/form-data; boundary=b")
                                            : input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  MultipartLimits limits;
  if (data[1] & 1) limits = {.max_header_bytes = 64, .max_parts = 3, .max_data_bytes = 100};

  auto boundary = multipart_boundary(content_type);
  if (std::holds_alternative<MultipartError>(boundary)) return;
  const std::string& b = std::get<std::string>(boundary);
  if (b.empty() || b.size() > 70) fail("multipart", "a boundary out of RFC 2046's bounds");

  const Result whole = parse(b, limits, body, [](std::string_view s, auto feed) { feed(s); });
  const std::size_t cut = body.size() * data[0] / 255;
  const Result two = parse(b, limits, body, [&](std::string_view s, auto feed) {
    feed(s.substr(0, cut));
    feed(s.substr(cut));
  });
  const Result bytes = parse(b, limits, body, [](std::string_view s, auto feed) {
    for (std::size_t i = 0; i < s.size(); ++i) feed(s.substr(i, 1));
  });
  check_same(whole, two, "two pieces vs whole");
  check_same(whole, bytes, "byte by byte vs whole");
  if (whole.error) return;

  std::size_t total = 0;
  for (const FormPart& p : whole.parts) {
    if (p.name.empty()) fail("multipart", "a part without a name");
    total += p.data.size();
  }
  if (total > body.size() || total > limits.max_data_bytes) {
    fail("multipart", "more data than the body or the limit holds");
  }
  if (whole.parts.size() > limits.max_parts) fail("multipart", "more parts than the limit");

  auto turn = turn_json_from_form(whole.parts);
  if (const auto* json_body = std::get_if<std::string>(&turn)) {
    boost::system::error_code ec;
    boost::json::parse(*json_body, ec);
    if (ec) fail("multipart", "the turn form made a body that is not JSON");
  } else if (std::get<ApiError>(turn).status != boost::beast::http::status::bad_request) {
    fail("multipart", "a turn form refused with a status other than 400");
  }
}

}  // namespace gw::fuzz
