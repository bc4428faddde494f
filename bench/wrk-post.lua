-- wrk script: POST a fixed body with the Messages API headers, then print one
-- machine-readable RESULT line (read by bench/passthrough).
--   WRK_BODY_FILE   file holding the JSON request body
--   WRK_API_KEY     sent as x-api-key
--   WRK_EXTRA_HEADERS  optional "name: value" lines, newline-separated (Portkey routing)
local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

wrk.method = "POST"
wrk.body = read_file(os.getenv("WRK_BODY_FILE"))
wrk.headers["content-type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.headers["x-api-key"] = os.getenv("WRK_API_KEY") or "bench-key"
for line in (os.getenv("WRK_EXTRA_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
