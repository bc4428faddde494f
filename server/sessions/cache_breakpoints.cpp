#include "server/sessions/cache_breakpoints.hpp"

#include <algorithm>

namespace gw {

CachePlan plan_cache_breakpoints(const std::vector<CacheSlot>& slots, const CacheTargets& targets,
                                 bool automatic, CacheTtl ttl) {
  CachePlan plan;
  std::vector<bool> dropped(slots.size(), false);
  std::size_t marks = 0;
  for (const auto& s : slots) marks += s.client_marks.size();
  for (std::size_t i = 0; i < slots.size() && marks > kMaxCacheBreakpoints; ++i) {
    if (!slots[i].droppable || slots[i].client_marks.empty()) continue;
    dropped[i] = true;
    marks -= slots[i].client_marks.size();
    plan.drop_client_marks.push_back(i);
  }
  if (!automatic) return plan;

  std::vector<std::size_t> chosen;
  for (auto target : {targets.last_message, targets.stable_end, targets.previous_turn}) {
    if (marks >= kMaxCacheBreakpoints) break;
    if (!target || *target >= slots.size()) continue;
    const CacheSlot& s = slots[*target];
    const bool client_marked = !dropped[*target] && !s.client_marks.empty();
    if (client_marked || !s.markable) continue;
    if (std::find(chosen.begin(), chosen.end(), *target) != chosen.end()) continue;
    chosen.push_back(*target);
    ++marks;
  }
  std::sort(chosen.begin(), chosen.end());

  // Each of ours takes the session's lifetime, unless a five-minute mark comes before it
  // (then five minutes) or a one-hour mark after it (then an hour).
  auto client_has = [&](std::size_t from, std::size_t to, CacheTtl t) {
    for (std::size_t i = from; i < to; ++i) {
      if (dropped[i]) continue;
      const auto& m = slots[i].client_marks;
      if (std::find(m.begin(), m.end(), t) != m.end()) return true;
    }
    return false;
  };
  for (std::size_t slot : chosen) {
    CacheTtl mine = ttl;
    const bool short_before =
        client_has(0, slot, CacheTtl::five_minutes) ||
        std::any_of(plan.add_marks.begin(), plan.add_marks.end(),
                    [](const auto& m) { return m.second == CacheTtl::five_minutes; });
    if (short_before) {
      mine = CacheTtl::five_minutes;
    } else if (client_has(slot + 1, slots.size(), CacheTtl::one_hour)) {
      mine = CacheTtl::one_hour;
    }
    plan.add_marks.emplace_back(slot, mine);
  }
  return plan;
}

}  // namespace gw
