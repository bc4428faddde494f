#include "server/http/router.hpp"

namespace gw {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool is_rest(std::string_view seg) {
  return is_param(seg) && seg[seg.size() - 2] == '*';
}

}  // namespace

void Router::add(Route route) {
  Entry e{std::move(route), {}, false};
  for (auto seg : split_path(e.route.pattern)) e.segments.emplace_back(seg);
  e.rest = !e.segments.empty() && is_rest(e.segments.back());
  routes_.push_back(std::move(e));
}

bool Router::matches(const Entry& e, const std::vector<std::string_view>& segs,
                     std::vector<std::pair<std::string, std::string>>& params) {
  const std::size_t fixed = e.rest ? e.segments.size() - 1 : e.segments.size();
  if (e.rest ? segs.size() <= fixed : segs.size() != fixed) return false;
  params.clear();
  for (std::size_t i = 0; i < fixed; ++i) {
    const auto& want = e.segments[i];
    if (!is_param(want)) {
      if (want != segs[i]) return false;
    } else {
      params.emplace_back(want.substr(1, want.size() - 2), std::string(segs[i]));
    }
  }
  if (e.rest) {
    std::string rest;
    for (std::size_t i = fixed; i < segs.size(); ++i) {
      if (!rest.empty()) rest += '/';
      rest += segs[i];
    }
    const auto& want = e.segments.back();
    params.emplace_back(want.substr(1, want.size() - 3), std::move(rest));
  }
  return true;
}

Router::Match Router::match(http::verb method, std::string_view path) const {
  const auto segs = split_path(path);
  std::vector<std::pair<std::string, std::string>> params;
  // Literal routes first: a path one of them knows is theirs, whatever the method.
  for (bool rest : {false, true}) {
    Match m;
    for (const auto& e : routes_) {
      if (e.rest != rest || !matches(e, segs, params)) continue;
      if (e.route.method == method || e.route.method == kAnyMethod) {
        m.route = &e.route;
        m.name = e.route.name;
        m.params = std::move(params);
        m.allow.clear();
        return m;
      }
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += std::string(http::to_string(e.route.method));
      m.name = e.route.name;
    }
    if (!m.allow.empty()) return m;
  }
  return {};
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  for (const auto& e : routes_) out.push_back(&e.route);
  return out;
}

}  // namespace gw
