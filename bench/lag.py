"""Projection lag under a sustained order load: from the moment an order's append commits to
the moment the store-orders projection's checkpoint (committed with its rows) covers it.

Orders are placed in-process at a paced rate by a few threads while `run_projectors` runs as
its own process, woken by LISTEN/NOTIFY; a watcher polls the checkpoint every millisecond on a
connection of its own.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time

from .measure_env import PYTHON, ROOT, fresh_database, percentile, run_measurement, setup_django

DATABASE = "aforro_bench_lag"


def measure(seconds: float, rate: float) -> dict:
    setup_django()
    import os
    from decimal import Decimal

    import psycopg

    from aforro_backend import composition
    from command_side.bulk_commands import (
        ProductSpec,
        StockSpec,
        StoreSpec,
        open_stores,
        register_products,
        stock_new_items,
    )
    from command_side.order import OrderLine
    from command_side.place_order import PlaceOrder, place_order

    ctx = composition.command_context()
    open_stores(ctx, [StoreSpec(s, f"Store {s}", "Bench") for s in range(1, 11)])
    register_products(ctx, [ProductSpec(p, f"P{p}", "", Decimal("1"), "C") for p in range(1, 101)])
    stock_new_items(ctx, [StockSpec(s, p, 1_000_000) for s in range(1, 11) for p in range(1, 101)])
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "run_projectors", "store_orders"], cwd=ROOT, env=dict(os.environ)
    )
    commits: list[tuple[int, float]] = []
    visible: dict[int, float] = {}
    stop = threading.Event()
    dbname = os.environ["DATABASE_URL"].rsplit("/", 1)[1]

    def watch() -> None:
        with psycopg.connect(
            f"dbname={dbname} host=127.0.0.1 user=postgres", autocommit=True
        ) as conn:
            seen = 0
            while not stop.is_set():
                row = conn.execute(
                    "SELECT position FROM read_projection_checkpoint WHERE name = 'store_orders'"
                ).fetchone()
                now = time.perf_counter()
                if row and row[0] > seen:
                    seen = row[0]
                    visible[seen] = now
                time.sleep(0.001)

    def load(seed: int) -> None:
        rng, interval = random.Random(seed), 4 / rate
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            lines = tuple(OrderLine(p, 1) for p in rng.sample(range(1, 101), rng.randint(1, 3)))
            outcome = place_order(ctx, PlaceOrder(rng.randint(1, 10), lines))
            commits.append((outcome.position, time.perf_counter()))
            time.sleep(max(0.0, interval - (time.perf_counter() - started)))

    try:
        time.sleep(2)  # the worker starts and catches up with the setup events
        watcher = threading.Thread(target=watch)
        watcher.start()
        threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(1)
        stop.set()
        watcher.join()
    finally:
        worker.terminate()
        worker.wait(10)
    checkpoints = sorted(visible.items())
    lags = []
    for position, committed in commits:
        seen_at = next((t for p, t in checkpoints if p >= position), None)
        if seen_at is not None:
            lags.append(max(0.0, seen_at - committed) * 1000)
    return {
        "orders": len(commits),
        "measured": len(lags),
        "seconds": seconds,
        "p50": percentile(lags, 50),
        "p99": percentile(lags, 99),
        "max": max(lags),
    }


def run(quick: bool = False) -> list[dict]:
    env = fresh_database(DATABASE)
    seconds, rate = (8, 100) if quick else (20, 150)
    d = run_measurement("bench.lag", env, str(seconds), str(rate))
    note = f"{d['orders']} orders at ~{d['orders'] / d['seconds']:.0f}/s for {d['seconds']}s"
    return [
        {
            "scenario": "lag",
            "metric": "commit → visible p50",
            "value": round(d["p50"], 1),
            "unit": "ms",
            "note": note,
        },
        {
            "scenario": "lag",
            "metric": "commit → visible p99",
            "value": round(d["p99"], 1),
            "unit": "ms",
            "target": "< 250 ms",
            "met": d["p99"] < 250,
        },
    ]


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure(float(sys.argv[-2]), float(sys.argv[-1]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
