"""Order placement latency as one stock item's history grows (1k → 10k → 100k events).

Warm: the process's aggregate cache holds the item (one query for new events). Cold: a fresh
application loads it from the newest snapshot plus the events after it. Target: latency at
100k within 1.2x of latency at 1k.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from .measure_env import fresh_database, percentile, run_measurement, setup_django

DATABASE = "aforro_bench_history"
SIZES = (1_000, 10_000, 100_000)


def grow_history(ctx, item, target: int) -> None:
    from command_side.context import utc_now

    while item.version < target:
        for _ in range(min(1000, target - item.version)):
            item.receive(1, utc_now())
        ctx.app.save(item)


def measure(orders: int) -> dict:
    setup_django()
    from decimal import Decimal

    from aforro_backend import composition
    from command_side.catalog_commands import open_store, receive_stock, register_product
    from command_side.ids import stock_item_id
    from command_side.order import OrderLine
    from command_side.place_order import PlaceOrder, place_order
    from command_side.stock import StockItem

    ctx = composition.command_context()
    open_store(ctx, "Bench", "Loopback", store_id=1)
    register_product(ctx, "Hot item", "", Decimal("1.00"), "Bench", product_id=1)
    receive_stock(ctx, 1, 1, 10)
    results = {}
    for size in SIZES:
        item = ctx.app.load(StockItem, stock_item_id(1, 1))
        grow_history(ctx, item, size)
        command = PlaceOrder(1, (OrderLine(1, 1),))
        for _ in range(20):  # warm the aggregate cache and connections first
            place_order(ctx, command)
        warm = []
        for _ in range(orders):
            started = time.perf_counter()
            place_order(ctx, command)
            warm.append((time.perf_counter() - started) * 1000)
        composition.reset()  # a new process: empty aggregate cache, snapshot + tail from disk
        ctx = composition.command_context()
        started = time.perf_counter()
        place_order(ctx, command)
        cold = (time.perf_counter() - started) * 1000
        results[size] = {"p50": statistics.median(warm), "p99": percentile(warm, 99), "cold": cold}
    return results


def run(quick: bool = False) -> list[dict]:
    env = fresh_database(DATABASE)
    data = run_measurement("bench.history", env, str(100 if quick else 400))
    base = data[str(SIZES[0])]["p50"]
    rows = []
    for size in SIZES:
        d = data[str(size)]
        ratio = d["p50"] / base
        rows += [
            {
                "scenario": "history",
                "metric": f"place_order p50 at {size:,} events",
                "value": round(d["p50"], 2),
                "unit": "ms",
                "baseline": round(base, 2),
                "ratio": round(ratio, 2),
                "target": "<= 1.2x of 1k" if size == SIZES[-1] else "",
                "met": (ratio <= 1.2) if size == SIZES[-1] else None,
            },
            {
                "scenario": "history",
                "metric": f"place_order p99 at {size:,} events",
                "value": round(d["p99"], 2),
                "unit": "ms",
            },
            {
                "scenario": "history",
                "metric": f"first order after restart at {size:,} events",
                "value": round(d["cold"], 2),
                "unit": "ms",
            },
        ]
    return rows


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure(int(sys.argv[-1]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
