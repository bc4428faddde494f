#include "server/queue/redis_rate_budget.hpp"

#include "server/redis/redis_errors.hpp"

#include <cstdio>

namespace gw {

namespace {

// KEYS: 1 the cooldown's end, 2 requests, 3 input tokens, 4 output tokens, 5 the client
//   key's requests; a bucket is a hash {l: level, t: when it was, in microseconds}.
// ARGV: 1 op (take, give, limit, pause), 2 now in microseconds (empty: Redis TIME),
//   3..6 each bucket's budget per minute (0: unlimited), 7..10 the amount for each
//   (limit: what is left, negative: unknown); pause: ARGV[3] is its length in ms.
// take answers {taken, wait ms, key wait ms, cooldown ms}: all buckets are taken, or none.
const RedisScript kScript(R"lua(
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local op = ARGV[1]
if op == 'pause' then
  local ms = math.floor(tonumber(ARGV[3]))
  local ends = now + ms * 1000
  if ends > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], string.format('%.0f', ends), 'PX', ms + 1000)
  end
  return 0
end
local function level(i, per_minute)
  local v = redis.call('HMGET', KEYS[i], 'l', 't')
  local l, t = tonumber(v[1]), tonumber(v[2])
  if not l then return per_minute end
  if now > t then l = math.min(per_minute, l + (now - t) * per_minute / 60000000) end
  return l
end
local function store(i, l)
  redis.call('HSET', KEYS[i], 'l', string.format('%.17g', l), 't', string.format('%.0f', now))
  -- empty or not, a bucket is full again within the minute: then it may as well be gone
  redis.call('PEXPIRE', KEYS[i], 60000)
end
if op == 'take' then
  local wait, key_wait, cooldown = 0, 0, 0
  local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
  if pause > now then
    cooldown = pause - now
    wait = cooldown
  end
  local left = {}
  for i = 2, 5 do
    local per_minute, amount = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 5])
    if per_minute > 0 then
      local l = level(i, per_minute)
      -- more than a minute's budget fits a full bucket: it waits, never forever
      local need = math.min(amount, per_minute)
      left[i] = l - need
      if l + 1e-9 < need then
        local w = (need - l) * 60000000 / per_minute
        if i == 5 then key_wait = w elseif w > wait then wait = w end
      end
    end
  end
  if wait > 0 or key_wait > 0 then
    return {0, math.ceil(wait / 1000), math.ceil(key_wait / 1000), math.ceil(cooldown / 1000)}
  end
  for i, l in pairs(left) do store(i, l) end
  return {1, 0, 0, 0}
end
for i = 2, 5 do
  local per_minute, amount = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 5])
  if per_minute > 0 and amount >= 0 then
    local l = level(i, per_minute)
    if op == 'give' then l = math.min(per_minute, l + amount) else l = math.min(l, amount) end
    store(i, l)
  end
end
return 0
)lua");

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

RateBudget::Clock::duration millis(const RedisReply& r) {
  return std::chrono::milliseconds(r.integer);
}

}  // namespace

RedisRateBudget::RedisRateBudget(std::shared_ptr<RedisClient> redis, std::string prefix,
                                 const Config::Queue& config, const std::vector<ClientKey>& keys)
    : redis_(std::move(redis)),
      prefix_(std::move(prefix)),
      rpm_(config.requests_per_minute),
      input_tpm_(config.input_tokens_per_minute),
      output_tpm_(config.output_tokens_per_minute) {
  for (const auto& k : keys) key_rpm_[k.name] = k.requests_per_minute;
}

std::vector<std::string> RedisRateBudget::keys_for(const std::string& key) const {
  const auto b = prefix_ + "budget:";
  return {b + "pause", b + "rpm", b + "itpm", b + "otpm", b + "key:" + key};
}

std::vector<std::string> RedisRateBudget::args(const char* op, const std::string& key,
                                               double requests, double input, double output) const {
  std::uint64_t key_rpm = 0;
  if (auto it = key_rpm_.find(key); it != key_rpm_.end()) key_rpm = it->second;
  return {op,
          micros_ ? std::to_string(micros_()) : std::string(),
          std::to_string(rpm_),
          std::to_string(input_tpm_),
          std::to_string(output_tpm_),
          std::to_string(key_rpm),
          number(requests),
          number(input),
          number(output),
          number(requests)};
}

BudgetVerdict RedisRateBudget::try_take(const BudgetAsk& ask, Clock::time_point) {
  const auto reply = redis_->eval(kScript, keys_for(ask.key),
                                  args("take", ask.key, 1, static_cast<double>(ask.input_tokens),
                                       static_cast<double>(ask.output_tokens)));
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 4) {
    throw RedisCommandError("rate budget script: unexpected answer");
  }
  BudgetVerdict v;
  v.taken = reply.elements[0].integer == 1;
  v.wait = millis(reply.elements[1]);
  v.key_wait = millis(reply.elements[2]);
  v.cooldown = millis(reply.elements[3]);
  v.shared = true;
  return v;
}

void RedisRateBudget::give_back(const BudgetReturn& back, Clock::time_point) {
  // Nothing given back for a bucket is written as -1: the script leaves it alone.
  auto amount = [](std::uint64_t v) { return v ? static_cast<double>(v) : -1.0; };
  redis_->eval(kScript, keys_for(back.key),
               args("give", back.key, amount(back.requests), amount(back.input_tokens),
                    amount(back.output_tokens)));
}

void RedisRateBudget::limit_to(const BudgetRemaining& r, Clock::time_point) {
  // The client key's bucket is not upstream's business: -1 leaves it.
  auto a = args("limit", "", r.requests, r.input_tokens, r.output_tokens);
  a.back() = "-1";
  redis_->eval(kScript, keys_for(""), a);
}

void RedisRateBudget::share_pause(Clock::duration pause) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(pause).count();
  if (ms <= 0) return;
  auto a = args("pause", "", 0, 0, 0);
  a[2] = std::to_string(ms);
  redis_->eval(kScript, keys_for(""), a);
}

}  // namespace gw
