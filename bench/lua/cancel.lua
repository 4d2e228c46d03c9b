-- POST /orders/<id>/cancel/ for confirmed orders placed beforehand: their ids are read from a
-- file (one per line) in init, and thread k of n takes lines k, k+n, k+2n... so no order is
-- cancelled twice by this run. Past the end a thread starts over (a repeat answers 200 and
-- writes nothing): the harness gives every run more ids than it can use and checks that.
-- args: ids=var/bench/cancel_ids.txt threads=2
local report = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/report.lua")
local headers = {["Content-Type"] = "application/json"}
local body = '{"reason": "bench"}'
local ids, next_index = {}, 1
status_counts = {}

function setup(thread)
  report.setup(thread)
end

function init(args)
  local opts = report.args(args, {ids = "var/bench/cancel_ids.txt", threads = 2})
  local line_no, mine = 0, (thread_id or 1) - 1
  for line in io.lines(opts.ids) do
    if line_no % opts.threads == mine then ids[#ids + 1] = line end
    line_no = line_no + 1
  end
end

function request()
  local id = ids[next_index]
  next_index = next_index % #ids + 1
  return wrk.format("POST", "/orders/" .. id .. "/cancel/", headers, body)
end

function response(status, _, _)
  report.count(status)
end

done = report.done
