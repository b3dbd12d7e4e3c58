-- The benchmark's wrk script.
--   wrk ... -s bench/wrk.lua URL -- METHOD RUN_ID [Header: value ...] [@BODY_FILE]
-- A body file containing {n} is a template: each request gets a unique body
-- (RUN_ID, thread and a counter in place of {n}). done() prints one JSON line,
-- prefixed with BENCH_JSON, for bench/load.py to parse.

local counter = 0
local prefix, suffix, static
run_id, thread_id = "run", 0

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  wrk.method = args[1]
  run_id = args[2]
  for i = 3, #args do
    local arg = args[i]
    if arg:sub(1, 1) == "@" then
      local file = assert(io.open(arg:sub(2), "rb"))
      local body = file:read("*a")
      file:close()
      local first, last = body:find("{n}", 1, true)
      if first then
        prefix, suffix = body:sub(1, first - 1), body:sub(last + 1)
      else
        wrk.body = body
      end
    else
      local name, value = arg:match("^([^:]+):%s*(.*)$")
      wrk.headers[name] = value
    end
  end
  static = wrk.format()
end

function request()
  if prefix == nil then
    return static
  end
  counter = counter + 1
  local body = prefix .. run_id .. "-" .. thread_id .. "-" .. counter .. suffix
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
