-- GET of the URL given to wrk (path and query included). No response() hook, so wrk stays as
-- cheap as possible on reads; non-2xx answers show up as errors.status.
local report = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/report.lua")

function setup(thread)
  report.setup(thread)
end

done = report.done
