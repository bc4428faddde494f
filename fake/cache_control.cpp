#include "fake/cache_control.hpp"

#include <boost/json.hpp>

namespace gw::fake {

namespace json = boost::json;

std::variant<std::optional<CacheTtl>, ApiError> read_cache_control(const json::object& holder,
                                                                   std::string_view path) {
  const json::value* mark = holder.if_contains("cache_control");
  if (mark == nullptr || mark->is_null()) return std::optional<CacheTtl>();
  std::string where(path);
  where += where.empty() ? "cache_control" : ".cache_control";
  const json::object* o = mark->if_object();
  if (o == nullptr) return invalid_request(where + ": Input should be a valid dictionary");
  const json::value* type = o->if_contains("type");
  if (type == nullptr) return invalid_request(where + ".type: Field required");
  if (*type != "ephemeral") return invalid_request(where + ".type: Input should be 'ephemeral'");
  const json::value* ttl = o->if_contains("ttl");
  if (ttl == nullptr || ttl->is_null() || *ttl == "5m") return std::optional(CacheTtl::k5m);
  if (*ttl == "1h") return std::optional(CacheTtl::k1h);
  return invalid_request(where + ".ttl: Input should be '5m' or '1h'");
}

std::optional<ApiError> check_breakpoints(const std::vector<PromptBlock>& blocks) {
  std::size_t found = 0;
  bool seen_5m = false;
  bool misordered = false;
  for (const PromptBlock& b : blocks) {
    if (!b.breakpoint) continue;
    ++found;
    if (*b.breakpoint == CacheTtl::k5m) seen_5m = true;
    if (*b.breakpoint == CacheTtl::k1h && seen_5m) misordered = true;
  }
  if (found > kMaxCacheBreakpoints) {
    return invalid_request("A maximum of 4 blocks with cache_control may be provided. Found " +
                           std::to_string(found) + ".");
  }
  if (misordered) return invalid_request(std::string(kTtlOrderMessage));
  return std::nullopt;
}

}  // namespace gw::fake
