-- GET of every path in a file (one per line, path and query string), in turn and over again:
-- thread k of n starts k/n of the way into the list, so the threads ask different queries at
-- any moment and each of them walks the whole list. Statuses are counted (non-200 fail a run).
-- args: paths=var/bench/search_paths.txt threads=2
local report = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/report.lua")
local paths, next_index = {}, 1
status_counts = {}

function setup(thread)
  report.setup(thread)
end

function init(args)
  local opts = report.args(args, {paths = "var/bench/search_paths.txt", threads = 2})
  for line in io.lines(opts.paths) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  next_index = math.floor(#paths * ((thread_id or 1) - 1) / opts.threads) + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

function response(status, _, _)
  report.count(status)
end

done = report.done
