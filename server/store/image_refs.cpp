#include "server/store/image_refs.hpp"

#include "server/common/sha256.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw {

namespace json = boost::json;

namespace {

constexpr std::string_view kRefPrefix = "gateway-image:sha256:";

std::string reference(std::string_view hash) {
  return std::string(kRefPrefix) + std::string(hash);
}

// True when it took the block's data.
bool take_from(json::object& block, std::vector<TakenImage>& taken) {
  auto* source = block.if_contains("source");
  auto* s = source ? source->if_object() : nullptr;
  if (!s) return false;
  const auto* type = s->if_contains("type");
  auto* data = s->if_contains("data");
  if (!type || *type != "base64" || !data || !data->is_string()) return false;
  std::string hash = sha256_hex(data->get_string());
  const bool seen =
      std::any_of(taken.begin(), taken.end(), [&](const TakenImage& t) { return t.hash == hash; });
  if (!seen) taken.push_back(TakenImage{hash, std::string(data->get_string())});
  *data = reference(hash);
  return true;
}

bool is_type(const json::object& block, std::string_view type) {
  const auto* t = block.if_contains("type");
  return t && t->is_string() && t->get_string() == type;
}

}  // namespace

std::optional<std::string> take_images(const std::string& content_json,
                                       std::vector<TakenImage>& taken) {
  if (content_json.find(R"("type":"image")") == std::string::npos) return std::nullopt;
  json::error_code ec;
  json::value v = json::parse(content_json, ec);
  if (ec || !v.is_array()) return std::nullopt;
  bool took = false;
  for (auto& b : v.as_array()) {
    auto* block = b.if_object();
    if (!block) continue;
    if (is_type(*block, "image")) took |= take_from(*block, taken);
    if (!is_type(*block, "tool_result")) continue;
    auto* inner = block->if_contains("content");
    if (!inner || !inner->is_array()) continue;
    for (auto& ib : inner->as_array()) {
      if (auto* o = ib.if_object(); o && is_type(*o, "image")) took |= take_from(*o, taken);
    }
  }
  // The gateway serialized the content it stores: re-serializing changes nothing else.
  if (!took) return std::nullopt;
  return json::serialize(v);
}

bool has_image_refs(std::string_view content_json) {
  return content_json.find(kRefPrefix) != std::string_view::npos;
}

namespace {
// Appended piece by piece: GCC 12 at -O2 takes `"\"" + data + "\""` for a copy of more
// than PTRDIFF_MAX bytes (-Wstringop-overflow, an error here), which broke the Release
// build (the container image).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}
}  // namespace

std::string put_images_back(std::string content_json,
                            const std::vector<std::pair<std::string, std::string>>& images) {
  for (const auto& [hash, data] : images) {
    const std::string ref = quoted(reference(hash));
    const std::string with = quoted(data);
    for (auto at = content_json.find(ref); at != std::string::npos;
         at = content_json.find(ref, at + with.size())) {
      content_json.replace(at, ref.size(), with);
    }
  }
  return content_json;
}

}  // namespace gw
