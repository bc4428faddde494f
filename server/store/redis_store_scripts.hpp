#pragma once

#include "server/redis/redis_script.hpp"

namespace gw::redis_scripts {

// The RedisStore's Lua scripts. ARGV[1] is always the key prefix; the keys are derived
// from it inside the scripts (one Redis, not a cluster: see redis_store.hpp).
const RedisScript& create_session();
const RedisScript& context();
const RedisScript& list_sessions();
const RedisScript& update_session();
const RedisScript& delete_session();
const RedisScript& commit_turn();
const RedisScript& purge_idle();

}  // namespace gw::redis_scripts
