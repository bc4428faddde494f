#include "fake/prompt_blocks.hpp"

#include "fake/json_text.hpp"
#include "server/common/sha256.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw::fake {
namespace {

namespace json = boost::json;

void append_canonical(std::string& out, const json::value& v);

void append_object(std::string& out, const json::object& o, bool skip_cache_control) {
  std::vector<const json::key_value_pair*> fields;
  fields.reserve(o.size());
  for (const auto& kv : o) {
    if (skip_cache_control && kv.key() == "cache_control") continue;
    fields.push_back(&kv);
  }
  std::sort(fields.begin(), fields.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  out += '{';
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, fields[i]->key());
    out += ':';
    append_canonical(out, fields[i]->value());
  }
  out += '}';
}

void append_canonical(std::string& out, const json::value& v) {
  if (const json::object* o = v.if_object()) {
    append_object(out, *o, false);
  } else if (const json::array* a = v.if_array()) {
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i > 0) out += ',';
      append_canonical(out, (*a)[i]);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

std::size_t order(PromptSection s) {
  return static_cast<std::size_t>(s);
}

}  // namespace

std::string canonical_block_json(const json::object& block) {
  std::string out;
  append_object(out, block, true);
  return out;
}

void PromptBlocksBuilder::push(PromptSection section, std::string_view where, bool opens_message,
                               const std::string& canonical, std::uint64_t tokens,
                               std::optional<CacheTtl> breakpoint) {
  std::string framed(where);
  framed += opens_message ? "+\n" : "\n";
  framed += canonical;
  pending_.push_back(Pending{section, sha256_hex(framed), tokens, breakpoint});
}

void PromptBlocksBuilder::add(PromptSection section, std::string_view where, bool opens_message,
                              const json::object& block, std::uint64_t tokens,
                              std::optional<CacheTtl> breakpoint) {
  push(section, where, opens_message, canonical_block_json(block), tokens, breakpoint);
}

void PromptBlocksBuilder::add_text(PromptSection section, std::string_view where,
                                   bool opens_message, std::string_view text, std::uint64_t tokens,
                                   std::optional<CacheTtl> breakpoint) {
  // Exactly what canonical_block_json gives for {"type":"text","text":text}.
  std::string canonical = R"({"text":)";
  append_json_string(canonical, text);
  canonical += R"(,"type":"text"})";
  push(section, where, opens_message, canonical, tokens, breakpoint);
}

std::optional<CacheTtl>* PromptBlocksBuilder::last_message_breakpoint() {
  if (pending_.empty() || pending_.back().section != PromptSection::kMessages) return nullptr;
  return &pending_.back().breakpoint;
}

std::vector<PromptBlock> PromptBlocksBuilder::take() {
  std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    return order(a.section) < order(b.section);
  });
  std::vector<PromptBlock> blocks;
  blocks.reserve(pending_.size());
  std::string chain;
  for (Pending& p : pending_) {
    chain = sha256_hex(chain + p.digest);
    blocks.push_back(PromptBlock{p.tokens, chain, p.breakpoint});
  }
  pending_.clear();
  return blocks;
}

}  // namespace gw::fake
