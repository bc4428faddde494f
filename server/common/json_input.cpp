#include "server/common/json_input.hpp"

#include <boost/json/parser.hpp>

#include <cmath>
#include <vector>

namespace gw {

namespace json = boost::json;

namespace {

json::value parse_bounded(std::string_view body, std::size_t max_depth,
                          boost::system::error_code& ec, json::storage_ptr sp = {}) {
  json::parse_options options;
  options.max_depth = max_depth;
  // The parser's own working stack starts here, not on the heap: most bodies and every
  // streamed event fit.
  unsigned char temp[1024];
  json::parser p({}, options, temp);
  p.reset(std::move(sp));
  p.write(body.data(), body.size(), ec);
  if (ec) return nullptr;
  return p.release();
}

// One container being walked and the index of its next child.
struct Frame {
  const json::value* container;
  std::size_t next = 0;
};

std::string path_of(const std::vector<Frame>& stack) {
  std::string path;
  for (const Frame& f : stack) {
    if (!path.empty()) path += '.';
    const std::size_t at = f.next - 1;  // the child being looked at
    if (const json::object* o = f.container->if_object()) {
      path += std::string_view((o->begin() + static_cast<std::ptrdiff_t>(at))->key());
    } else {
      path += std::to_string(at);
    }
  }
  return path;
}

bool non_finite(const json::value& v) {
  return v.is_double() && !std::isfinite(v.get_double());
}

}  // namespace

std::string first_non_finite(const json::value& root) {
  if (non_finite(root)) return "body";
  if (!root.is_structured()) return {};
  // An explicit stack: the depth is the body's to choose, the thread's stack is not.
  std::vector<Frame> stack{{&root}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const json::value* child = nullptr;
    if (const json::object* o = f.container->if_object()) {
      if (f.next < o->size()) child = &(o->begin() + static_cast<std::ptrdiff_t>(f.next))->value();
    } else {
      const json::array& a = f.container->get_array();
      if (f.next < a.size()) child = &a[f.next];
    }
    if (!child) {
      stack.pop_back();
      continue;
    }
    ++f.next;
    if (non_finite(*child)) return path_of(stack);
    if (child->is_structured()) stack.push_back(Frame{child});
  }
  return {};
}

std::variant<json::value, ApiError> parse_client_json(std::string_view body) {
  boost::system::error_code ec;
  json::value v = parse_bounded(body, kMaxRequestDepth, ec);
  if (ec == json::error::too_deep) {
    return invalid_request("The request body is not valid JSON: it nests deeper than " +
                           std::to_string(kMaxRequestDepth) + " levels");
  }
  if (ec) return invalid_request("The request body is not valid JSON: " + ec.message());
  if (std::string path = first_non_finite(v); !path.empty()) {
    return invalid_request(path + ": number out of range (it must be finite)");
  }
  return v;
}

json::value parse_upstream_json(std::string_view body, boost::system::error_code& ec,
                                json::storage_ptr sp) {
  return parse_bounded(body, kMaxUpstreamDepth, ec, std::move(sp));
}

}  // namespace gw
