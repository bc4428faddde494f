-- wrk script: session turns, POST /gateway/v1/sessions/{id}/messages, round-robin over a list of
-- sessions so that no session gets a second turn while its first runs (a session takes one
-- turn at a time; a second gets 409). Prints one RESULT line like bench/wrk-post.lua, plus
-- the count of 409s (status_409) so a collision shows in the report.
--   WRK_SESSIONS_FILE  one session id a line; use several times more sessions than connections
--   WRK_BODY_FILE      file holding the JSON turn body ({"content": ...})
--   WRK_API_KEY        sent as x-api-key (ignored by a gateway without client keys)
local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

local function read_sessions()
  local ids = {}
  for line in read_file(os.getenv("WRK_SESSIONS_FILE")):gmatch("[^\n]+") do
    ids[#ids + 1] = line
  end
  assert(#ids > 0, "no sessions in WRK_SESSIONS_FILE")
  return ids
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  threads[#threads + 1] = thread
end

local body, headers, ids, stride, next_index
conflicts = 0  -- a global: done() reads it from each thread with thread:get

function init(args)
  body = read_file(os.getenv("WRK_BODY_FILE"))
  headers = {
    ["content-type"] = "application/json",
    ["anthropic-version"] = "2023-06-01",
    ["x-api-key"] = os.getenv("WRK_API_KEY") or "bench-key",
  }
  ids = read_sessions()
  -- Each wrk thread takes its own share of the sessions: index i, i + n, i + 2n, ...
  stride = tonumber(os.getenv("WRK_THREADS") or "1")
  next_index = (thread_index or 0) % stride
end

function request()
  local id = ids[next_index % #ids + 1]
  next_index = next_index + stride
  return wrk.format("POST", "/gateway/v1/sessions/" .. id .. "/messages", headers, body)
end

function response(status, hdrs, resp_body)
  if status == 409 then conflicts = conflicts + 1 end
end

function done(summary, latency, requests)
  local c = 0
  for _, t in ipairs(threads) do c = c + (tonumber(t:get("conflicts")) or 0) end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d status_409=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, c))
end
