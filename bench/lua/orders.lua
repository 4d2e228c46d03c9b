-- POST /orders/: random baskets of 1..max_lines distinct products out of 1..products, each
-- 1..max_qty units, from one store. Each wrk thread draws from its own fixed random seed, so
-- both systems receive the same sequence of baskets. With sequential=1 (the warm-up) baskets
-- are max_lines consecutive products instead, so every product comes round again and again.
-- args: store=1 products=1000 max_lines=5 max_qty=3 sequential=0
local report = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/report.lua")
local opts
local headers = {["Content-Type"] = "application/json"}
status_counts = {}

function setup(thread)
  report.setup(thread)
end

function init(args)
  opts = report.args(args, {store = 1, products = 1000, max_lines = 5, max_qty = 3,
    sequential = 0})
  math.randomseed(7919 * (thread_id or 1))
  next_product = ((thread_id or 1) - 1) * opts.max_lines
end

local function consecutive_basket()
  local items = {}
  for i = 0, opts.max_lines - 1 do
    items[#items + 1] = string.format('{"product_id": %d, "quantity_requested": 1}',
      (next_product + i) % opts.products + 1)
  end
  next_product = (next_product + 2 * opts.max_lines) % opts.products
  return items
end

function request()
  if opts.sequential == 1 then
    local body = string.format('{"store_id": %d, "items": [%s]}', opts.store,
      table.concat(consecutive_basket(), ", "))
    return wrk.format("POST", "/orders/", headers, body)
  end
  local lines, chosen, items = math.random(1, opts.max_lines), {}, {}
  while #items < lines do
    local product = math.random(1, opts.products)
    if not chosen[product] then
      chosen[product] = true
      items[#items + 1] = string.format('{"product_id": %d, "quantity_requested": %d}',
        product, math.random(1, opts.max_qty))
    end
  end
  local body = string.format('{"store_id": %d, "items": [%s]}', opts.store,
    table.concat(items, ", "))
  return wrk.format("POST", "/orders/", headers, body)
end

function response(status, _, _)
  report.count(status)
end

done = report.done
