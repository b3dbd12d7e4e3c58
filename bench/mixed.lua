-- The mixed load's wrk script (bench/mixed.py writes the plan).
--   wrk ... -s bench/mixed.lua URL -- PLAN_FILE RUN_ID [Header: value ...]
-- Each line of the plan is METHOD<tab>PATH[<tab>BODY]; the requests go out in
-- the plan's order, round and round. A body is JSON (sent with its
-- Content-Type); one containing {n} gets a unique suffix each time (RUN_ID,
-- thread and a counter), so that no two posts are the same comment.
-- done() prints one JSON line, prefixed with BENCH_JSON, as wrk.lua does.

local plan, position, counter = {}, 0, 0
run_id, thread_id = "run", 0

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local function copy(headers)
  local result = {}
  for name, value in pairs(headers) do
    result[name] = value
  end
  return result
end

function init(args)
  run_id = args[2]
  local plain = {}
  for i = 3, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    plain[name] = value
  end
  local json = copy(plain)
  json["Content-Type"] = "application/json"
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    local entry = {}
    local first, last = body:find("{n}", 1, true)
    if first then
      -- wrk.format sets Content-Length in the table it is given: one table per entry.
      entry.method, entry.path, entry.headers = method, path, copy(json)
      entry.prefix, entry.suffix = body:sub(1, first - 1), body:sub(last + 1)
    elseif body ~= "" then
      entry.static = wrk.format(method, path, copy(json), body)
    else
      entry.static = wrk.format(method, path, copy(plain), nil)
    end
    plan[#plan + 1] = entry
  end
  -- Threads (if more than one) start at different places in the plan.
  position = ((thread_id - 1) * 7919) % #plan
end

function request()
  position = position % #plan + 1
  local entry = plan[position]
  if entry.static then
    return entry.static
  end
  counter = counter + 1
  local body = entry.prefix .. run_id .. "-" .. thread_id .. "-" .. counter .. entry.suffix
  return wrk.format(entry.method, entry.path, entry.headers, body)
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
