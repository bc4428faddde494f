#include "fake/prompt_cache.hpp"

#include <algorithm>
#include <optional>

namespace gw::fake {
namespace {

using std::chrono::steady_clock;

steady_clock::duration lifetime(CacheTtl ttl) {
  return ttl == CacheTtl::k1h ? steady_clock::duration(std::chrono::hours(1))
                              : steady_clock::duration(std::chrono::minutes(5));
}

std::string entry_key(std::string_view api_key, std::string_view model,
                      std::string_view prefix_digest) {
  std::string key;
  key.reserve(api_key.size() + model.size() + prefix_digest.size() + 2);
  key += api_key;
  key += '\n';
  key += model;
  key += '\n';
  key += prefix_digest;
  return key;
}

}  // namespace

std::uint64_t min_cacheable_tokens(std::string_view model_id) {
  return model_id.find("haiku") != std::string_view::npos ? 2048 : 1024;
}

PromptCache::PromptCache(Clock now) : now_(std::move(now)) {}

void PromptCache::drop_expired(steady_clock::time_point now) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
}

CacheUsage PromptCache::account(std::string_view api_key, std::string_view model,
                                const std::vector<PromptBlock>& blocks) {
  CacheUsage usage;
  std::vector<std::uint64_t> upto(blocks.size());  // prefix tokens through block i
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) upto[i] = sum += blocks[i].tokens;
  const std::uint64_t minimum = min_cacheable_tokens(model);
  auto cacheable = [&](std::size_t i) { return blocks[i].breakpoint && upto[i] >= minimum; };

  const steady_clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  drop_expired(now);

  // The read: the longest prefix found from any breakpoint's lookback window.
  std::optional<std::size_t> read_at;
  Entry* read_entry = nullptr;
  for (std::size_t p = 0; p < blocks.size(); ++p) {
    if (!cacheable(p)) continue;
    const std::size_t lowest = p >= kLookbackBlocks ? p - kLookbackBlocks : 0;
    for (std::size_t q = p + 1; q-- > lowest;) {
      if (read_at && q <= *read_at) break;
      auto it = entries_.find(entry_key(api_key, model, blocks[q].prefix_digest));
      if (it == entries_.end()) continue;
      read_at = q;
      read_entry = &it->second;
      break;
    }
  }
  if (read_entry != nullptr) {
    read_entry->expires = now + lifetime(read_entry->ttl);
    usage.read = upto[*read_at];
  }

  std::uint64_t written_upto = usage.read;
  for (std::size_t p = read_at ? *read_at + 1 : 0; p < blocks.size(); ++p) {
    if (!cacheable(p)) continue;
    const CacheTtl ttl = *blocks[p].breakpoint;
    entries_[entry_key(api_key, model, blocks[p].prefix_digest)] = Entry{now + lifetime(ttl), ttl};
    (ttl == CacheTtl::k1h ? usage.creation_1h : usage.creation_5m) += upto[p] - written_upto;
    written_upto = upto[p];
  }
  usage.creation = usage.creation_5m + usage.creation_1h;
  return usage;
}

void PromptCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::size_t PromptCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace gw::fake
