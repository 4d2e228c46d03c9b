"""Replay rate: rebuilding the read models from a large event store (1M events), batched, against
one event per transaction (the library's default ProjectionRunner granularity) measured in the
same run on the same events with the same projector code.

The history is generated through the real aggregates (orders decided against stock items) and
appended in large atomic batches, so it has the shape of real traffic.
"""

from __future__ import annotations

import json
import random
import sys
import time

from .measure_env import fresh_database, run_measurement, setup_django

DATABASE = "aforro_bench_replay"


def generate(ctx, target_events: int) -> int:
    from decimal import Decimal

    from command_side.bulk_commands import (
        ProductSpec,
        StockSpec,
        StoreSpec,
        open_stores,
        register_products,
        stock_new_items,
    )
    from command_side.context import utc_now
    from command_side.ids import stock_item_id
    from command_side.order import Order, OrderLine
    from command_side.stock import StockItem

    stores, products = 10, 200
    open_stores(ctx, [StoreSpec(s, f"Store {s}", "Bench") for s in range(1, stores + 1)])
    register_products(
        ctx,
        [
            ProductSpec(p, f"Product {p}", "", Decimal("2.50"), f"Cat {p % 12}")
            for p in range(1, products + 1)
        ],
    )
    stock_new_items(
        ctx,
        [StockSpec(s, p, 10_000_000) for s in range(1, stores + 1) for p in range(1, products + 1)],
    )
    items = {
        (s, p): ctx.app.load(StockItem, stock_item_id(s, p))
        for s in range(1, stores + 1)
        for p in range(1, products + 1)
    }
    products_by_id = {}
    from command_side.catalog import Product
    from command_side.ids import product_aggregate_id

    for p in range(1, products + 1):
        products_by_id[p] = ctx.app.load(Product, product_aggregate_id(p))
    rng = random.Random(7)
    head = ctx.app.recorder.max_notification_id()
    while head < target_events:
        batch, touched = [], {}
        for _ in range(400):
            store = rng.randint(1, stores)
            lines = [
                OrderLine(p, rng.randint(1, 3))
                for p in rng.sample(range(1, products + 1), rng.randint(1, 3))
            ]
            now = utc_now()
            order = Order.place(ctx.new_id(), store, lines, products_by_id, "", now)
            stock = {line.product_id: items[(store, line.product_id)] for line in lines}
            for item in order.decide(stock, now):
                touched[item.id] = item
            batch.append(order)
        ctx.app.save(*touched.values(), *batch)
        head = ctx.app.recorder.max_notification_id()
    return head


def measure(target_events: int, library_seconds: float) -> dict:
    setup_django()
    from aforro_backend import composition
    from events.config import event_store_reader
    from projections.registry import select
    from projections.replay import rebuild
    from projections.source import EventSource

    ctx = composition.command_context()
    started = time.perf_counter()
    head = generate(ctx, target_events)
    generated_in = time.perf_counter() - started
    source = EventSource(event_store_reader())
    result = {"events": head, "generate_s": generated_in, "batched": {}}
    for projector in select(None):
        started = time.perf_counter()
        replayed = rebuild(projector, source, 20_000, lambda n: None)
        elapsed = time.perf_counter() - started
        result["batched"][projector.name] = {"events": replayed.events, "seconds": elapsed}
    # The library's own runner, one event per transaction, on the same store for a fixed time.
    from events.config import event_store_config
    from events.store import application_env

    from .library_runner import library_rate

    # The library creates its tracking table when it builds the runner (migrate has not).
    env = application_env(event_store_config(), create_tables=True)
    count, elapsed = library_rate(env, library_seconds)
    result["library"] = {"events": count, "seconds": elapsed}
    result["relevant"] = relevant_counts(source)
    return result


def relevant_counts(source) -> dict[str, int]:
    """How many events of the log each projector folds (the rest it reads and skips)."""
    from projections.registry import select

    counts = dict.fromkeys([p.name for p in select(None)], 0)
    after = 0
    while True:
        notifications = source.app.recorder.select_notifications(start=after + 1, limit=10_000)
        if not notifications:
            return counts
        for projector in select(None):
            counts[projector.name] += sum(n.topic in projector.topics for n in notifications)
        after = notifications[-1].id


def run(quick: bool = False) -> list[dict]:
    env = fresh_database(DATABASE)
    target, seconds = (100_000, 10) if quick else (1_000_000, 30)
    data = run_measurement("bench.replay", env, str(target), str(seconds), timeout=1800)
    rows = [
        {
            "scenario": "replay",
            "metric": "events in the store",
            "value": data["events"],
            "unit": "events",
            "note": f"generated in {data['generate_s']:.0f}s",
        }
    ]
    library = data["library"]["events"] / data["library"]["seconds"]
    rows.append(
        {
            "scenario": "replay",
            "metric": "library ProjectionRunner, 1 event/transaction",
            "value": round(library),
            "unit": "events/s",
            "note": f"inventory events only; {data['library']['events']:,} in "
            f"{data['library']['seconds']:.0f}s",
        }
    )
    for name, batched in data["batched"].items():
        relevant = data["relevant"][name] / batched["seconds"]
        ratio = relevant / library
        rows.append(
            {
                "scenario": "replay",
                "metric": f"{name}: rebuild, 20,000 events per batch",
                "value": round(relevant),
                "unit": "folded events/s",
                "baseline": round(library),
                "ratio": round(ratio, 1),
                "target": ">= 10x the library runner",
                "met": ratio >= 10,
                "note": f"{data['relevant'][name]:,} of {batched['events']:,} events folded in "
                f"{batched['seconds']:.1f}s ({batched['events'] / batched['seconds']:,.0f} "
                "log events/s)",
            }
        )
    return rows


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure(int(sys.argv[-2]), float(sys.argv[-1]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
