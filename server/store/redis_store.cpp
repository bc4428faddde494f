#include "server/store/redis_store.hpp"

#include "server/redis/redis_errors.hpp"
#include "server/store/image_refs.hpp"
#include "server/store/redis_store_scripts.hpp"

#include <charconv>
#include <unordered_map>

namespace gw {

namespace {

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::int64_t to_i64(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// A session's fields, as HSET pairs (owner and seq are written by the create script).
void add_fields(std::vector<std::string>& out, const SessionRecord& s) {
  auto add = [&](const char* name, std::string value) {
    out.emplace_back(name);
    out.push_back(std::move(value));
  };
  add("model", s.model);
  add("system", s.system_json);
  add("max_tokens", std::to_string(s.max_tokens));
  add("metadata", s.metadata_json);
  add("tools", s.tools_json);
  add("tool_choice", s.tool_choice_json);
  add("thinking", s.thinking_json);
  add("cache", s.cache);
  add("cache_ttl", s.cache_ttl);
  add("message_count", std::to_string(s.message_count));
  add("pinned_count", std::to_string(s.pinned_count));
  add("input_tokens", std::to_string(s.usage.input_tokens));
  add("output_tokens", std::to_string(s.usage.output_tokens));
  add("cache_creation_input_tokens", std::to_string(s.usage.cache_creation_input_tokens));
  add("cache_read_input_tokens", std::to_string(s.usage.cache_read_input_tokens));
  add("created_at", std::to_string(s.created_at));
  add("updated_at", std::to_string(s.updated_at));
}

// An HGETALL answer (name, value, name, value, ...).
SessionRecord read_session(const std::string& id, const RedisReply& fields) {
  SessionRecord s;
  s.id = id;
  const auto& e = fields.elements;
  for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
    const std::string& name = e[i].str;
    const std::string& v = e[i + 1].str;
    if (name == "owner")
      s.owner = v;
    else if (name == "model")
      s.model = v;
    else if (name == "system")
      s.system_json = v;
    else if (name == "max_tokens")
      s.max_tokens = static_cast<int>(to_i64(v));
    else if (name == "metadata")
      s.metadata_json = v;
    else if (name == "tools")
      s.tools_json = v;
    else if (name == "tool_choice")
      s.tool_choice_json = v;
    else if (name == "thinking")
      s.thinking_json = v;
    else if (name == "cache")
      s.cache = v;
    else if (name == "cache_ttl")
      s.cache_ttl = v;
    else if (name == "message_count")
      s.message_count = to_u64(v);
    else if (name == "pinned_count")
      s.pinned_count = to_u64(v);
    else if (name == "input_tokens")
      s.usage.input_tokens = to_u64(v);
    else if (name == "output_tokens")
      s.usage.output_tokens = to_u64(v);
    else if (name == "cache_creation_input_tokens")
      s.usage.cache_creation_input_tokens = to_u64(v);
    else if (name == "cache_read_input_tokens")
      s.usage.cache_read_input_tokens = to_u64(v);
    else if (name == "created_at")
      s.created_at = to_i64(v);
    else if (name == "updated_at")
      s.updated_at = to_i64(v);
  }
  return s;
}

std::string id_of(const RedisReply& fields) {
  // A list answer is fields only: the id is one of them (create_session writes it).
  const auto& e = fields.elements;
  for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
    if (e[i].str == "id") return e[i + 1].str;
  }
  return {};
}

// A message as stored: role, turn id and its image hashes (comma-separated) on lines of
// their own, then the content. Neither role, turn id nor a hash holds a newline.
std::string encode_message(const StoredMessage& m, std::vector<std::string>& images) {
  std::vector<TakenImage> taken;
  // Only user messages: an assistant's content is upstream's bytes, kept verbatim.
  const auto replaced =
      m.role == "user" ? take_images(m.content_json, taken) : std::optional<std::string>();
  std::string out = m.role + "\n" + m.turn_id + "\n";
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (i > 0) out += ',';
    out += taken[i].hash;
    images.push_back(taken[i].hash);
    images.push_back(std::move(taken[i].data));
  }
  out += '\n';
  out += replaced ? *replaced : m.content_json;
  return out;
}

struct Decoded {
  StoredMessage message;
  std::vector<std::string> hashes;
};

Decoded decode_message(const std::string& stored) {
  const auto a = stored.find('\n');
  const auto b = a == std::string::npos ? a : stored.find('\n', a + 1);
  const auto c = b == std::string::npos ? b : stored.find('\n', b + 1);
  if (c == std::string::npos) throw StoreError("redis store: a malformed message");
  Decoded d;
  d.message.role = stored.substr(0, a);
  d.message.turn_id = stored.substr(a + 1, b - a - 1);
  d.message.content_json = stored.substr(c + 1);
  for (std::size_t at = b + 1; at < c;) {
    auto comma = stored.find(',', at);
    if (comma == std::string::npos || comma > c) comma = c;
    d.hashes.push_back(stored.substr(at, comma - at));
    at = comma + 1;
  }
  return d;
}

}  // namespace

RedisStore::RedisStore(std::shared_ptr<RedisClient> redis, std::string prefix,
                       std::chrono::milliseconds ttl)
    : redis_(std::move(redis)), prefix_(std::move(prefix)), ttl_(ttl) {}

std::string RedisStore::expire_at(EpochMillis at) const {
  return ttl_.count() > 0 ? std::to_string(at + ttl_.count()) : "0";
}

void RedisStore::create_session(const SessionRecord& session,
                                const std::vector<StoredMessage>& seed) {
  SessionRecord s = session;
  s.message_count = s.pinned_count = seed.size();
  std::vector<std::string> fields{"id", s.id};
  add_fields(fields, s);
  std::vector<std::string> args{prefix_,
                                s.id,
                                s.owner,
                                std::to_string(s.updated_at),
                                expire_at(s.updated_at),
                                std::to_string(fields.size() / 2)};
  args.insert(args.end(), std::make_move_iterator(fields.begin()),
              std::make_move_iterator(fields.end()));
  std::vector<std::string> images;
  args.push_back(std::to_string(seed.size()));
  for (const auto& m : seed) args.push_back(encode_message(m, images));
  args.insert(args.end(), std::make_move_iterator(images.begin()),
              std::make_move_iterator(images.end()));
  redis_->eval(redis_scripts::create_session(), {}, args);
}

std::optional<SessionRecord> RedisStore::get_session(const std::string& id) {
  auto reply = redis_->command({"HGETALL", prefix_ + "session:" + id});
  if (reply.is_error()) throw RedisCommandError("redis HGETALL: " + reply.str);
  if (reply.elements.empty()) return std::nullopt;
  return read_session(id, reply);
}

SessionPage RedisStore::list_sessions(const std::string& owner, std::size_t limit,
                                      const std::string& after_id, std::size_t max_bytes) {
  auto reply = redis_->eval(redis_scripts::list_sessions(), {},
                            {prefix_, owner, after_id, std::to_string(limit + 1)});
  SessionPage page;
  std::size_t bytes = 0;
  for (const auto& fields : reply.elements) {
    SessionRecord s = read_session(id_of(fields), fields);
    bytes += listed_bytes(s);
    if (page.sessions.size() == limit || (!page.sessions.empty() && bytes > max_bytes)) {
      page.has_more = true;
      break;
    }
    page.sessions.push_back(std::move(s));
  }
  return page;
}

std::optional<SessionRecord> RedisStore::update_session(const std::string& id,
                                                        const SessionPatch& patch, EpochMillis at) {
  std::vector<std::string> args{prefix_, id, std::to_string(at), expire_at(at)};
  auto set = [&](const char* name, const std::optional<std::string>& v) {
    if (!v) return;
    args.emplace_back(name);
    args.push_back(*v);
  };
  set("model", patch.model);
  set("system", patch.system_json);
  if (patch.max_tokens) set("max_tokens", std::to_string(*patch.max_tokens));
  set("metadata", patch.metadata_json);
  set("tools", patch.tools_json);
  set("tool_choice", patch.tool_choice_json);
  set("thinking", patch.thinking_json);
  set("cache", patch.cache);
  set("cache_ttl", patch.cache_ttl);
  auto reply = redis_->eval(redis_scripts::update_session(), {}, args);
  if (reply.is_nil()) return std::nullopt;
  return read_session(id, reply);
}

bool RedisStore::delete_session(const std::string& id) {
  return redis_->eval(redis_scripts::delete_session(), {}, {prefix_, id}).integer == 1;
}

std::vector<StoredMessage> RedisStore::decode(const std::vector<RedisReply>& stored) {
  std::vector<Decoded> decoded;
  decoded.reserve(stored.size());
  RedisCommand mget{"MGET"};
  std::unordered_map<std::string, std::size_t> slot;  // hash -> index in the MGET answer
  for (const auto& r : stored) {
    decoded.push_back(decode_message(r.str));
    for (const auto& h : decoded.back().hashes) {
      if (slot.emplace(h, mget.size() - 1).second) mget.push_back(prefix_ + "image:" + h);
    }
  }
  std::vector<StoredMessage> out;
  out.reserve(decoded.size());
  if (slot.empty()) {
    for (auto& d : decoded) out.push_back(std::move(d.message));
    return out;
  }
  auto images = redis_->command(mget);
  if (images.is_error()) throw RedisCommandError("redis MGET: " + images.str);
  for (auto& d : decoded) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& h : d.hashes) {
      const auto& image = images.elements.at(slot.at(h));
      // Its session was deleted or expired between the two reads.
      if (image.is_nil()) throw StoreError("redis store: image " + h + " is gone");
      pairs.emplace_back(h, image.str);
    }
    if (!pairs.empty()) {
      d.message.content_json = put_images_back(std::move(d.message.content_json), pairs);
    }
    out.push_back(std::move(d.message));
  }
  return out;
}

std::vector<StoredMessage> RedisStore::messages(const std::string& id) {
  auto reply = redis_->command({"LRANGE", prefix_ + "messages:" + id, "0", "-1"});
  if (reply.is_error()) throw RedisCommandError("redis LRANGE: " + reply.str);
  return decode(reply.elements);
}

std::optional<ConversationStore::Context> RedisStore::context(const std::string& id,
                                                              std::size_t recent) {
  auto reply = redis_->eval(redis_scripts::context(), {}, {prefix_, id, std::to_string(recent)});
  if (reply.is_nil()) return std::nullopt;
  auto& parts = reply.elements;
  Context ctx;
  ctx.session = read_session(id, parts.at(0));
  // One decode for both, so that their images come in one MGET.
  const std::size_t pinned = parts.at(1).elements.size();
  std::vector<RedisReply> all = std::move(parts.at(1).elements);
  all.insert(all.end(), std::make_move_iterator(parts.at(2).elements.begin()),
             std::make_move_iterator(parts.at(2).elements.end()));
  auto messages = decode(all);
  ctx.pinned.assign(
      std::make_move_iterator(messages.begin()),
      std::make_move_iterator(messages.begin() + static_cast<std::ptrdiff_t>(pinned)));
  ctx.recent.assign(std::make_move_iterator(messages.begin() + static_cast<std::ptrdiff_t>(pinned)),
                    std::make_move_iterator(messages.end()));
  return ctx;
}

CommitResult RedisStore::commit_turn(const TurnCommit& turn) {
  std::vector<std::string> args{prefix_,
                                turn.session_id,
                                std::to_string(turn.expected_message_count),
                                std::to_string(turn.at),
                                expire_at(turn.at),
                                turn.lock_key,
                                turn.lock_token,
                                std::to_string(turn.usage.input_tokens),
                                std::to_string(turn.usage.output_tokens),
                                std::to_string(turn.usage.cache_creation_input_tokens),
                                std::to_string(turn.usage.cache_read_input_tokens),
                                std::to_string(turn.messages.size())};
  std::vector<std::string> images;
  for (const auto& m : turn.messages) args.push_back(encode_message(m, images));
  args.insert(args.end(), std::make_move_iterator(images.begin()),
              std::make_move_iterator(images.end()));
  const auto reply = redis_->eval(redis_scripts::commit_turn(), {}, args);
  if (reply.str == "ok") return CommitResult::kCommitted;
  if (reply.str == "not_found") return CommitResult::kNotFound;
  if (reply.str == "lock_lost") return CommitResult::kLockLost;
  return CommitResult::kConflict;
}

std::size_t RedisStore::purge_idle(EpochMillis idle_before) {
  constexpr std::size_t kBatch = 200;  // per script run: Redis serves nothing else meanwhile
  std::size_t purged = 0;
  for (;;) {
    auto reply = redis_->eval(redis_scripts::purge_idle(), {},
                              {prefix_, std::to_string(idle_before), std::to_string(kBatch)});
    purged += static_cast<std::size_t>(reply.elements.at(1).integer);
    if (static_cast<std::size_t>(reply.elements.at(0).integer) < kBatch) return purged;
  }
}

void RedisStore::ping() {
  auto reply = redis_->command({"PING"});
  if (reply.is_error()) throw RedisCommandError("redis PING: " + reply.str);
}

}  // namespace gw
