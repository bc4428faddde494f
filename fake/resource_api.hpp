#pragma once

// What the fake's resource routes (batches, files, beta sessions) are given and share:
// the request as they need it, in-memory storage newest first, and upstream's list
// paging. Each resource is a small class of its own (batches_api.hpp, files_api.hpp,
// agent_sessions_api.hpp) holding its objects until reset.

#include "fake/messages_api.hpp"
#include "server/common/api_error.hpp"

#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gw::fake {

struct ResourceRequest {
  boost::beast::http::verb method;
  std::string_view path;   // percent-decoded, without the query
  std::string_view query;  // raw, without '?'
  std::string_view body;
  std::string_view content_type;
  std::string_view anthropic_beta;  // comma-joined
  std::string base_url;             // scheme://host as the client addressed the fake
  std::string_view request_id;
};

Reply error_reply(const ApiError& e, std::string_view request_id);
Reply method_not_allowed(const ResourceRequest& r);
Reply json_reply(std::string body, unsigned status = 200);

// key=value pairs, url-decoded; a repeated key: the last one wins.
std::map<std::string, std::string> parse_query_params(std::string_view query);

// Which slice of a list (ids newest first) a page shows, upstream's way: `limit` (1 to
// 1000, default 20), and `after_id` (older than) or `before_id` (newer than). `page` is
// the newer SDKs' opaque cursor: here the id of the last item of the previous page.
struct ListWindow {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool has_more = false;
};
std::variant<ApiError, ListWindow> list_window(const std::vector<std::string>& ids,
                                               const std::map<std::string, std::string>& query);

// `{"data":[item(begin),...,item(end - 1)]`: the opening of a list page, its other fields
// (each API has its own cursor) for the caller to add.
std::string page_data(const ListWindow& w, const std::function<std::string(std::size_t)>& item);

// A collection's own path: POST creates, GET lists, any other method is a 405.
template <class Create, class List>
Reply collection_root(const ResourceRequest& r, Create create, List list) {
  if (r.method == boost::beast::http::verb::post) return create(r);
  if (r.method == boost::beast::http::verb::get) return list(r);
  return method_not_allowed(r);
}

// A path's segments after `prefix`: "/v1/files/f/content" after "/v1/files" is {"f",
// "content"}. Empty for the prefix itself (with or without a trailing slash).
std::vector<std::string_view> segments_after(std::string_view path, std::string_view prefix);

}  // namespace gw::fake
