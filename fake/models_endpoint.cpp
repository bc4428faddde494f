// GET /v1/models and GET /v1/models/{id} (section 10.2, 10.3).
#include "fake/json_text.hpp"
#include "fake/messages_api.hpp"
#include "fake/models_catalog.hpp"
#include "fake/resource_api.hpp"
#include "server/common/api_error.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace gw::fake {
namespace {

struct ListQuery {
  std::optional<std::string> limit;
  std::optional<std::string> after_id;
  std::optional<std::string> before_id;
};

// Repeated parameters: the last one wins. Unknown ones are ignored.
ListQuery parse_query(std::string_view query) {
  auto params = parse_query_params(query);
  auto take = [&](const char* key) -> std::optional<std::string> {
    auto it = params.find(key);
    if (it == params.end()) return std::nullopt;
    return std::move(it->second);
  };
  return {take("limit"), take("after_id"), take("before_id")};
}

std::optional<ApiError> parse_limit(const std::optional<std::string>& text, std::size_t& limit) {
  limit = 20;
  if (!text) return std::nullopt;
  long long n = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  if (first != last && *first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec == std::errc::result_out_of_range && ptr == last) {
    n = (*text)[0] == '-' ? -1 : 1001;
  } else if (ec != std::errc{} || ptr != last || first == last) {
    return invalid_request(
        "limit: Input should be a valid integer, unable to parse string as an integer");
  }
  if (n < 1) return invalid_request("limit: Input should be greater than or equal to 1");
  if (n > 1000) return invalid_request("limit: Input should be less than or equal to 1000");
  limit = static_cast<std::size_t>(n);
  return std::nullopt;
}

}  // namespace

Reply list_models(std::string_view query, std::string_view request_id) {
  const ListQuery q = parse_query(query);
  std::size_t limit = 20;
  if (auto e = parse_limit(q.limit, limit)) return error_reply(*e, request_id);
  if (q.after_id && q.before_id) {
    return error_reply(invalid_request("after_id: cannot be combined with before_id"), request_id);
  }

  const auto models = all_models();
  std::size_t begin = 0;
  std::size_t end = std::min(models.size(), limit);
  bool has_more = end < models.size();
  for (const auto* cursor : {&q.after_id, &q.before_id}) {
    if (!*cursor) continue;
    const ModelInfo* found = find_model(**cursor);
    if (found == nullptr) return error_reply(not_found("model: " + **cursor), request_id);
    const auto at = static_cast<std::size_t>(found - models.data());
    if (cursor == &q.after_id) {
      begin = at + 1;
      end = std::min(models.size(), begin + limit);
      has_more = end < models.size();
    } else {
      end = at;
      begin = end > limit ? end - limit : 0;
      has_more = begin > 0;
    }
  }

  std::string body = R"({"data":[)";
  for (std::size_t i = begin; i < end; ++i) {
    if (i != begin) body += ',';
    append_model_json(body, models[i]);
  }
  body += R"(],"has_more":)";
  body += has_more ? "true" : "false";
  body += R"(,"first_id":)";
  if (begin < end) {
    append_json_string(body, models[begin].id);
  } else {
    body += "null";
  }
  body += R"(,"last_id":)";
  if (begin < end) {
    append_json_string(body, models[end - 1].id);
  } else {
    body += "null";
  }
  body += '}';
  return json_reply(std::move(body));
}

Reply get_model(std::string_view model_id, std::string_view request_id) {
  const ModelInfo* model = find_model(model_id);
  if (model == nullptr) {
    return error_reply(not_found("model: " + std::string(model_id)), request_id);
  }
  std::string body;
  append_model_json(body, *model);
  return json_reply(std::move(body));
}

}  // namespace gw::fake
