#include "fake/resource_api.hpp"

#include <charconv>

namespace gw::fake {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Reply error_reply(const ApiError& e, std::string_view request_id) {
  return Reply{static_cast<unsigned>(e.status), error_body(e, request_id), false, {}};
}

Reply json_reply(std::string body, unsigned status) {
  return Reply{status, std::move(body), false, {}};
}

std::map<std::string, std::string> parse_query_params(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
  }
  return out;
}

std::variant<ApiError, ListWindow> list_window(const std::vector<std::string>& ids,
                                               const std::map<std::string, std::string>& query) {
  std::size_t limit = 20;
  if (auto it = query.find("limit"); it != query.end()) {
    long long n = 0;
    const auto& text = it->second;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) {
      return invalid_request(
          "limit: Input should be a valid integer, unable to parse string as an integer");
    }
    if (n < 1) return invalid_request("limit: Input should be greater than or equal to 1");
    if (n > 1000) return invalid_request("limit: Input should be less than or equal to 1000");
    limit = static_cast<std::size_t>(n);
  }
  auto after = query.find("after_id");
  if (after == query.end()) after = query.find("page");
  const auto before = query.find("before_id");
  if (after != query.end() && before != query.end()) {
    return invalid_request("after_id: cannot be combined with before_id");
  }
  auto position = [&](const std::string& id) -> std::variant<ApiError, std::size_t> {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == id) return i;
    }
    return not_found("No object with id " + id);
  };
  ListWindow w;
  w.end = std::min(ids.size(), limit);
  if (after != query.end()) {
    auto at = position(after->second);
    if (auto* e = std::get_if<ApiError>(&at)) return *e;
    w.begin = std::get<std::size_t>(at) + 1;
    w.end = std::min(ids.size(), w.begin + limit);
  } else if (before != query.end()) {
    auto at = position(before->second);
    if (auto* e = std::get_if<ApiError>(&at)) return *e;
    w.end = std::get<std::size_t>(at);
    w.begin = w.end > limit ? w.end - limit : 0;
    w.has_more = w.begin > 0;
    return w;
  }
  w.has_more = w.end < ids.size();
  return w;
}

std::vector<std::string_view> segments_after(std::string_view path, std::string_view prefix) {
  std::vector<std::string_view> out;
  if (!path.starts_with(prefix)) return out;
  std::string_view rest = path.substr(prefix.size());
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const std::size_t slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  return out;
}

Reply method_not_allowed(const ResourceRequest& r) {
  return error_reply({boost::beast::http::status::method_not_allowed, "invalid_request_error",
                      "Method Not Allowed"},
                     r.request_id);
}

std::string page_data(const ListWindow& w, const std::function<std::string(std::size_t)>& item) {
  std::string body = R"({"data":[)";
  for (std::size_t i = w.begin; i < w.end; ++i) {
    if (i != w.begin) body += ',';
    body += item(i);
  }
  return body + ']';
}

}  // namespace gw::fake
