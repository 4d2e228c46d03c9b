-- Shared by every bench script (loaded with dofile): numbers each thread, counts HTTP statuses
-- per thread and prints one machine-readable line at the end:
--   BENCH_JSON {"requests": ..., "duration_us": ..., "latency_us": {...}, "statuses": {...}}
local report = {}
local threads = {}

function report.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Per-thread status counter; call from response() (costs wrk a little parsing per response).
function report.count(status)
  status_counts[status] = (status_counts[status] or 0) + 1
end

local function json_pairs(tbl, format)
  local parts = {}
  for key, value in pairs(tbl) do
    parts[#parts + 1] = string.format('"%s": ' .. format, tostring(key), value)
  end
  return table.concat(parts, ", ")
end

function report.done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("status_counts") or {}
    for code, n in pairs(counts) do
      statuses[code] = (statuses[code] or 0) + n
    end
  end
  local percentiles = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9}) do
    percentiles[tostring(p)] = latency:percentile(p)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, "percentiles": {%s}}, ' ..
    '"statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max, json_pairs(percentiles, "%d"),
    json_pairs(statuses, "%d")))
end

-- "key=value" arguments after `--` on the wrk command line, as numbers where they are numbers.
function report.args(args, defaults)
  local out = {}
  for key, value in pairs(defaults) do out[key] = value end
  for _, arg in ipairs(args) do
    local key, value = arg:match("^([%w_]+)=(.*)$")
    if key then out[key] = tonumber(value) or value end
  end
  return out
end

return report
