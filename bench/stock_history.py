"""Stock history reads through gunicorn, for an item with 1,000 and one with 100,000 events of
history: the same page (middle, last; 100 movements), and the item's id asked for as an order's
history (a 404). Target: within 1.2x, since a page reads only its own events (count from the
newest row, the page by version range) and the 404 one row."""

from __future__ import annotations

import json
import random
import sys
import time
import urllib.error
import urllib.request
from uuid import uuid4

from .load import plan
from .measure_env import fresh_database, percentile, run_measurement, setup_django
from .procs import Gunicorn, free_port, run_command
from .stats import median, row

DATABASE = "aforro_bench_stock_history"
SCENARIO = "Stock history pages"
ITEMS = {"1k": (1, 1_000), "100k": (2, 100_000)}  # label -> (product id in store 1, events)
PAGE_SIZE = 100
BATCH = 1_000  # events per append while building
WSGI = "aforro_backend.wsgi"
ORDER_404 = "GET /orders/<the item's id>/history/ (404)"
MEASURED = ("middle", "last", ORDER_404)
NOTES = [
    "Both items are built straight in the event store (StockItem.receive/reserve, one append "
    "per 1,000 events, snapshots as in service), then served by `gunicorn -w 2` (sync "
    "workers, gunicorn.conf.py). One "
    "client times each request, alternating the two items request by request, 100 requests "
    "per item and run (20 with --quick, so the plan's seconds do not apply); a run's figure "
    "is the median of its requests, the ratio the median of the per-run ratios (100k ÷ 1k).",
    "Before issue 11 (commit d50ec2f) the 404 decoded the item's whole history first: one "
    "--quick run on the code of then measured 4,823 ms median at 100,000 events against "
    "47 ms at 1,000 (102x).",
]


def grow(ctx, item, target: int, rng: random.Random) -> None:
    """Receipts and reservations (a quantity that moves both ways) until `target` events."""
    from command_side.context import utc_now

    while item.version < target:
        for _ in range(min(BATCH, target - item.version)):
            if item.quantity > 50 and rng.random() < 0.5:
                item.reserve(uuid4(), rng.randint(1, 50), utc_now())
            else:
                item.receive(rng.randint(1, 60), utc_now())
        ctx.app.save(item)


def build() -> dict:
    """In the measurement process: store 1, the two products and their stock histories."""
    setup_django()
    from decimal import Decimal

    from aforro_backend.composition import command_context
    from command_side.catalog_commands import open_store, receive_stock, register_product
    from command_side.ids import stock_item_id
    from command_side.stock import StockItem

    ctx, rng, started = command_context(), random.Random(11), time.perf_counter()
    open_store(ctx, "Bench", "Loopback", store_id=1)
    quantities = {}
    for label, (product_id, events) in ITEMS.items():
        register_product(ctx, f"Item {label}", "", Decimal("1.00"), "Bench", product_id=product_id)
        receive_stock(ctx, 1, product_id, 100)
        item = ctx.app.load(StockItem, stock_item_id(1, product_id))
        grow(ctx, item, events, rng)
        quantities[label] = item.quantity
    return {"quantities": quantities, "seconds": time.perf_counter() - started}


def pages(events: int) -> dict[str, int]:
    return {"middle": events // PAGE_SIZE // 2, "last": -(-events // PAGE_SIZE)}


def path(label: str, what: str) -> str:
    """The request measured for one item: a page of its history, or its id as an order's."""
    from command_side.ids import stock_item_id  # plain Python: no Django in this process

    product_id, events = ITEMS[label]
    if what == ORDER_404:
        return f"/orders/{stock_item_id(1, product_id)}/history/"
    page = pages(events)[what]
    return f"/stores/1/inventory/{product_id}/history/?page={page}&page_size={PAGE_SIZE}"


def timed_get(url: str) -> tuple[float, int, dict]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status, body = error.code, json.loads(error.read())
    return (time.perf_counter() - started) * 1000, status, body


def one_run(base_url: str, what: str, requests: int, run_number: int) -> dict[str, list[float]]:
    """`requests` timed GETs for each item, alternating the items (who goes first too)."""
    labels = list(ITEMS) if run_number % 2 == 0 else list(reversed(ITEMS))
    timings: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(requests):
        for label in labels:
            elapsed, status, body = timed_get(base_url + path(label, what))
            if what == ORDER_404:
                assert status == 404, (status, body)
            else:
                assert status == 200 and len(body["results"]) == PAGE_SIZE, (status, body)
            timings[label].append(elapsed)
    return timings


def check_last_pages(base_url: str, quantities: dict[str, int]) -> None:
    """The last movement's running quantity is the item's quantity: the pages are right."""
    for label, (_, events) in ITEMS.items():
        _, status, body = timed_get(base_url + path(label, "last"))
        assert status == 200 and body["count"] == events, (label, body)
        last = body["results"][-1]
        assert last["quantity_after"] == quantities[label], (label, last)


def compare_rows(what: str, runs: list[dict[str, list[float]]]) -> list[dict]:
    small = [median(r["1k"]) for r in runs]
    large = [median(r["100k"]) for r in runs]
    per_run = [b / a for a, b in zip(small, large, strict=True)]
    ratio = median(per_run)
    p95 = {label: percentile([t for r in runs for t in r[label]], 95) for label in ITEMS}
    measured = what if what == ORDER_404 else f"{what} page (page_size {PAGE_SIZE})"
    main = row(
        SCENARIO,
        f"{measured} at 100,000 events: median latency",
        median(large),
        "ms",
        baseline=median(small),
        target="<= 1.2x of 1,000 events",
        met=ratio <= 1.2,
        runs=large,
        baseline_runs=small,
    )
    main.update(ratio=ratio, ratio_runs=per_run, noisy=min(per_run) <= 1.2 < max(per_run))
    tail = row(SCENARIO, f"{measured} at 100,000 events: p95", p95["100k"], "ms")
    tail.update(baseline=p95["1k"], ratio=p95["100k"] / p95["1k"])
    return [main, tail]


def measure_pages(base_url: str, quick: bool) -> list[dict]:
    settings = plan(quick)
    requests = 20 if quick else 100
    for what in MEASURED:  # warm both workers and PostgreSQL's buffers
        one_run(base_url, what, 5, 0)
    rows: list[dict] = []
    for what in MEASURED:
        runs = [one_run(base_url, what, requests, n) for n in range(settings.runs)]
        rows += compare_rows(what, runs)
    return rows


def run(quick: bool = False) -> list[dict]:
    env = fresh_database(DATABASE)
    try:
        built = run_measurement("bench.stock_history", env, "build", timeout=1800)
        ready = "/stores/1/inventory/1/history/?page_size=1"
        server = Gunicorn("gunicorn-stock-history", WSGI, free_port(18100), env, ready)
        server.start()
        try:
            check_last_pages(server.url, built["quantities"])
            rows = measure_pages(server.url, quick)
        finally:
            server.stop()
    finally:
        run_command(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DATABASE], env)
    rows.append(row(SCENARIO, "building both histories (appends)", built["seconds"], "s"))
    rows[0]["commands"] = [
        f"env DATABASE_URL={env['DATABASE_URL']} REDIS_URL={env['REDIS_URL']} ... "
        "python -m bench.stock_history --measure build",
        f"env DATABASE_URL=... {server.command()}",
    ]
    return rows


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(build()))
    else:
        for result in run(quick="--quick" in sys.argv):
            print(result)
