#pragma once

#include "server/redis/redis_client.hpp"
#include "server/store/conversation_store.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace gw {

// The shared store for several gateways (store.backend: redis). Every write is one Lua
// script, so it is atomic and a turn's commit checks the message count (and, with a
// turn lock token, that the lock is still this turn's) in the same step as it appends.
// Sessions expire by Redis expiry `ttl` after their last write (0: never); images are
// kept once by hash and live as long as the longest-lived session using them. Calls
// block (blocking pool); Redis down throws RedisUnavailable (503 for the request).
//
// Keys, under `prefix`: session:<id> (hash), messages:<id> (list), images:<id> (set of
// image hashes), owner:<name> (zset of ids by creation), updated (zset of ids by last
// write, for purge_idle), seq, image:<sha256>, image-users:<sha256> (set of ids).
class RedisStore final : public ConversationStore {
 public:
  RedisStore(std::shared_ptr<RedisClient> redis, std::string prefix, std::chrono::milliseconds ttl);

  void create_session(const SessionRecord& session,
                      const std::vector<StoredMessage>& seed) override;
  std::optional<SessionRecord> get_session(const std::string& id) override;
  SessionPage list_sessions(const std::string& owner, std::size_t limit,
                            const std::string& after_id, std::size_t max_bytes) override;
  std::optional<SessionRecord> update_session(const std::string& id, const SessionPatch& patch,
                                              EpochMillis at) override;
  bool delete_session(const std::string& id) override;
  std::vector<StoredMessage> messages(const std::string& id) override;
  std::optional<Context> context(const std::string& id, std::size_t recent) override;
  CommitResult commit_turn(const TurnCommit& turn) override;
  std::size_t purge_idle(EpochMillis idle_before) override;
  void ping() override;

  const std::string& prefix() const { return prefix_; }

 private:
  std::string expire_at(EpochMillis at) const;
  // Messages as stored, with their images put back (one MGET for all of them).
  std::vector<StoredMessage> decode(const std::vector<RedisReply>& stored);

  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
  std::chrono::milliseconds ttl_;
};

}  // namespace gw
