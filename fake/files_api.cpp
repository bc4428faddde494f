#include "fake/files_api.hpp"

#include "server/common/ids.hpp"
#include "server/common/time_format.hpp"
#include "server/http/multipart_parser.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw::fake {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kPrefix = "/v1/files";

}  // namespace

void FilesApi::clear() {
  std::lock_guard lock(mutex_);
  files_.clear();
}

std::string FilesApi::to_json(const File& f) {
  return json::serialize(json::object{{"id", f.id},
                                      {"type", "file"},
                                      {"filename", f.filename},
                                      {"mime_type", f.mime_type},
                                      {"size_bytes", f.bytes.size()},
                                      {"created_at", rfc3339(f.created_at)},
                                      {"downloadable", true}});
}

Reply FilesApi::upload(const ResourceRequest& r) {
  // The gateway's own parser: one reading of multipart/form-data in the project.
  auto parsed = parse_multipart(r.content_type, r.body);
  auto* parts = std::get_if<std::vector<FormPart>>(&parsed);
  if (!parts) {
    return error_reply(invalid_request("Expected a multipart/form-data body with a file"),
                       r.request_id);
  }
  auto file = std::find_if(parts->begin(), parts->end(),
                           [](const FormPart& p) { return p.name == "file" && p.filename; });
  if (file == parts->end())
    return error_reply(invalid_request("file: Field required"), r.request_id);
  File f;
  f.id = make_id("file_");
  f.filename = *file->filename;
  f.mime_type = file->content_type.empty() ? "application/octet-stream" : file->content_type;
  f.bytes = std::move(file->data);
  f.created_at = std::chrono::system_clock::now();
  std::lock_guard lock(mutex_);
  files_.push_back(std::move(f));
  return json_reply(to_json(files_.back()));
}

Reply FilesApi::list(const ResourceRequest& r) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) ids.push_back(it->id);
  auto window = list_window(ids, parse_query_params(r.query));
  if (auto* e = std::get_if<ApiError>(&window)) return error_reply(*e, r.request_id);
  const auto& w = std::get<ListWindow>(window);
  json::array data;
  for (std::size_t i = w.begin; i < w.end; ++i) {
    data.push_back(json::parse(to_json(files_[files_.size() - 1 - i])));
  }
  const json::value first = w.begin < w.end ? json::value(ids[w.begin]) : json::value(nullptr);
  const json::value last = w.begin < w.end ? json::value(ids[w.end - 1]) : json::value(nullptr);
  // first_id/last_id/has_more as the Files API documents its list; next_page is the
  // cursor newer SDKs page with.
  return json_reply(
      json::serialize(json::object{{"data", std::move(data)},
                                   {"has_more", w.has_more},
                                   {"first_id", first},
                                   {"last_id", last},
                                   {"next_page", w.has_more ? last : json::value(nullptr)}}));
}

Reply FilesApi::handle(const ResourceRequest& r) {
  const auto seg = segments_after(r.path, kPrefix);
  if (seg.empty()) {
    return collection_root(
        r, [&](const ResourceRequest& q) { return upload(q); },
        [&](const ResourceRequest& q) { return list(q); });
  }
  if (seg.size() > 2 || (seg.size() == 2 && seg[1] != "content")) {
    return error_reply(not_found("Not Found"), r.request_id);
  }
  std::lock_guard lock(mutex_);
  auto it =
      std::find_if(files_.begin(), files_.end(), [&](const File& f) { return f.id == seg[0]; });
  if (it == files_.end()) {
    return error_reply(not_found("File not found: " + std::string(seg[0])), r.request_id);
  }
  if (seg.size() == 2) {
    if (r.method != http::verb::get) return method_not_allowed(r);
    Reply out = json_reply(it->bytes);
    out.content_type = it->mime_type;
    return out;
  }
  if (r.method == http::verb::get) return json_reply(to_json(*it));
  if (r.method != http::verb::delete_) return method_not_allowed(r);
  const std::string id = it->id;
  files_.erase(it);
  return json_reply(json::serialize(json::object{{"id", id}, {"type", "file_deleted"}}));
}

}  // namespace gw::fake
