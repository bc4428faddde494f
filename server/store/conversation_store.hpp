#pragma once

#include "server/common/token_usage.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gw {

// Milliseconds since the Unix epoch; the store's only notion of time.
using EpochMillis = std::int64_t;

// A session as stored. JSON-valued fields are kept as serialized JSON text: the store
// never interprets them.
struct SessionRecord {
  std::string id;
  std::string owner;  // the client key's name that created it
  std::string model;
  std::string system_json;  // a JSON string or array of text blocks; empty: no system prompt
  int max_tokens = 0;
  std::string metadata_json = "{}";
  std::string tools_json;        // the `tools` array sent with every turn; empty: none
  std::string tool_choice_json;  // the `tool_choice` object; empty: upstream's default
  std::string thinking_json;     // the `thinking` object; empty: none
  std::string cache = "auto";    // prompt-caching breakpoints: "auto" or "off"
  std::string cache_ttl = "5m";  // the breakpoints' lifetime: "5m" or "1h"
  std::uint64_t message_count = 0;
  std::uint64_t pinned_count = 0;  // the first messages: synthetic, never trimmed
  TokenUsage usage;
  EpochMillis created_at = 0;
  EpochMillis updated_at = 0;
};

struct StoredMessage {
  std::string role;          // "user" or "assistant"
  std::string content_json;  // a JSON string or array of content blocks
  std::string turn_id;       // empty for pinned seed messages
};

// The fields a PATCH may change; unset ones stay as they are.
struct SessionPatch {
  std::optional<std::string> model;
  std::optional<std::string> system_json;
  std::optional<int> max_tokens;
  std::optional<std::string> metadata_json;
  std::optional<std::string> tools_json;        // "" removes
  std::optional<std::string> tool_choice_json;  // "" removes
  std::optional<std::string> thinking_json;     // "" removes
  std::optional<std::string> cache;
  std::optional<std::string> cache_ttl;
};

// At least what a session takes in a list answer: its JSON fields and the fixed rest (keys,
// counts, timestamps: about 320 bytes at most).
inline std::size_t listed_bytes(const SessionRecord& s) {
  return 320 + s.id.size() + s.model.size() + s.system_json.size() + s.metadata_json.size() +
         s.tools_json.size() + s.tool_choice_json.size() + s.thinking_json.size();
}

struct SessionPage {
  std::vector<SessionRecord> sessions;
  bool has_more = false;
};

// What a turn adds to a session, written all at once or not at all.
struct TurnCommit {
  std::string session_id;
  std::uint64_t expected_message_count = 0;  // the count the turn was built on
  std::vector<StoredMessage> messages;
  TokenUsage usage;
  EpochMillis at = 0;
  // A store shared by several gateways commits only while the turn still holds its
  // session's lock (TurnLocks): the lock's key and this turn's token. Empty: no check.
  std::string lock_key;
  std::string lock_token;
};

// kLockLost: the turn's lock expired (its gateway stalled past the lock's lifetime) and
// another turn may have run meanwhile; nothing was written.
enum class CommitResult { kCommitted, kNotFound, kConflict, kLockLost };

// A store failure (I/O error, corrupt file): the caller answers 500 and keeps serving.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where conversations live (DESIGN.md: store/). Calls block; they are made from the
// blocking thread pool, never from an I/O thread, and implementations are thread-safe.
// Every implementation passes the same conformance suite (tests/unit/store_conformance).
class ConversationStore {
 public:
  virtual ~ConversationStore() = default;

  // `seed` becomes the pinned start of the history.
  virtual void create_session(const SessionRecord& session,
                              const std::vector<StoredMessage>& seed) = 0;
  virtual std::optional<SessionRecord> get_session(const std::string& id) = 0;
  // `owner`'s sessions, newest first, starting after the session `after_id` (empty: from
  // the newest). An unknown `after_id`, or another owner's, yields an empty page: the
  // answer must not tell that someone else's session exists. The page also ends (with
  // has_more) before the sessions' listed_bytes would pass `max_bytes`, though it always
  // holds one session if there is one, so that paging moves on.
  virtual SessionPage list_sessions(const std::string& owner, std::size_t limit,
                                    const std::string& after_id, std::size_t max_bytes) = 0;
  // nullopt when the session does not exist.
  virtual std::optional<SessionRecord> update_session(const std::string& id,
                                                      const SessionPatch& patch,
                                                      EpochMillis at) = 0;
  virtual bool delete_session(const std::string& id) = 0;

  // The whole history, in order.
  virtual std::vector<StoredMessage> messages(const std::string& id) = 0;
  // The pinned messages followed by at most `recent` of the latest unpinned ones (all of
  // them when `recent` is 0), with the session as of the same instant.
  struct Context {
    SessionRecord session;
    std::vector<StoredMessage> pinned;
    std::vector<StoredMessage> recent;
  };
  virtual std::optional<Context> context(const std::string& id, std::size_t recent) = 0;

  // Appends a turn atomically, only if the session still has `expected_message_count`
  // messages (else kConflict: another turn got there first).
  virtual CommitResult commit_turn(const TurnCommit& turn) = 0;

  // Deletes sessions not updated since `idle_before`; returns how many.
  virtual std::size_t purge_idle(EpochMillis idle_before) = 0;

  // Throws StoreError when the store cannot serve (for /readyz).
  virtual void ping() = 0;
};

}  // namespace gw
