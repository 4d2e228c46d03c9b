-- POST /orders/ for 1 unit of one stock item, from every connection: the contention case.
-- args: store=1 product=1
local report = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/report.lua")
status_counts = {}

function setup(thread)
  report.setup(thread)
end

function init(args)
  local opts = report.args(args, {store = 1, product = 1})
  wrk.method = "POST"
  wrk.path = "/orders/"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"store_id": %d, "items": [{"product_id": %d, ' ..
    '"quantity_requested": 1}]}', opts.store, opts.product)
end

function response(status, _, _)
  report.count(status)
end

done = report.done
