"""Price revision lag: from the moment a product's ProductRevised commits to the moment every
store's inventory row of that product shows the new price, at the default seed_data catalog.

Revisions are made in-process at a paced rate while `run_projectors catalog` runs as its own
process, woken by LISTEN/NOTIFY; a watcher polls the inventory rows every millisecond on a
connection of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from .measure_env import (
    PYTHON,
    ROOT,
    fresh_database,
    percentile,
    run_measurement,
    service_env,
    setup_django,
)
from .stats import row

if TYPE_CHECKING:  # Django is set up inside the measurement process only
    import psycopg

    from command_side.context import CommandContext

DATABASE = "aforro_bench_revision_lag"
SCENARIO = "revision-lag"
PRODUCTS = 10  # revised in turn: each comes round every PRODUCTS / rate seconds
RATE = 5.0  # revisions per second
VISIBLE_SQL = "SELECT count(*) FROM read_inventory WHERE product_id = %s AND price = %s"
NOTES = [
    "The default seed_data catalog (20 stores, 1,000 products, 300 of them in each store, "
    "seed 42) carries no product in every store (the widest: see the p50 row's note). So the "
    f"{PRODUCTS} widest products are also stocked (100 units) in the stores that lack them, "
    "and those are the ones revised: each revision updates one inventory row per store.",
    "`run_projectors catalog` runs as its own process (LISTEN/NOTIFY); revisions are made "
    "in-process with command_side.catalog_commands.revise_product, one at a time at a paced "
    "rate, each a new price; the commit time is taken when the append returns. A watcher on "
    "its own connection polls every millisecond, one query per pending revision: visible "
    "when all 20 rows of the product carry the new price.",
]


def prepare(ctx: CommandContext) -> tuple[list[int], int, int]:
    """The default catalog, and the widest products stocked in every store: their ids, the
    number of stores and how many of them carried the widest product before."""
    from collections import Counter

    from django.core.management import call_command

    from api.seed_catalog import SeedSizes, build_catalog
    from command_side.bulk_commands import StockSpec, stock_new_items

    call_command("seed_data", verbosity=0)
    catalog = build_catalog(SeedSizes())
    carried = Counter(s.product_id for s in catalog.stock)
    widest = [p for p, _ in carried.most_common(PRODUCTS)]
    have = {(s.store_id, s.product_id) for s in catalog.stock}
    stores = [s.store_id for s in catalog.stores]
    missing = [StockSpec(s, p, 100) for p in widest for s in stores if (s, p) not in have]
    stock_new_items(ctx, missing)
    return widest, len(stores), carried[widest[0]]


def wait_caught_up(conn: psycopg.Connection, timeout: float = 180) -> None:
    """Until the catalog projection has folded every event written so far."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head, position = conn.execute(
            "SELECT (SELECT coalesce(max(notification_id), 0) FROM aforro_events), "
            "(SELECT coalesce(max(position), 0) FROM read_projection_checkpoint "
            "WHERE name = 'catalog')"
        ).fetchone()
        if position >= head:
            return
        time.sleep(0.2)
    raise RuntimeError(f"catalog projection still behind after {timeout:.0f} s")


class Watcher(threading.Thread):
    """Polls every pending revision until all `stores` rows of its product show its price."""

    def __init__(self, dsn: str, stores: int) -> None:
        super().__init__(daemon=True)
        self.dsn, self.stores = dsn, stores
        self.pending: dict[tuple[int, Decimal], None] = {}  # insertion ordered
        self.visible: dict[tuple[int, Decimal], float] = {}
        self.lock, self.stop = threading.Lock(), threading.Event()

    def expect(self, product_id: int, price: Decimal) -> None:
        with self.lock:
            self.pending[(product_id, price)] = None

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                with self.lock:
                    keys = list(self.pending)
                for key in keys:
                    if conn.execute(VISIBLE_SQL, key).fetchone()[0] == self.stores:
                        self.visible[key] = time.perf_counter()
                        with self.lock:
                            self.pending.pop(key, None)
                time.sleep(0.001)

    def drain(self, timeout: float) -> None:
        """Wait until nothing is pending (or `timeout`), then stop."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        self.stop.set()
        self.join()


def revise_paced(
    ctx: CommandContext, products: list[int], seconds: float, rate: float, watcher: Watcher
) -> dict[tuple[int, Decimal], float]:
    """One revision every 1/rate s, products in turn, each a price no product had before;
    {(product, price): commit time}."""
    from command_side.catalog_commands import revise_product

    commits: dict[tuple[int, Decimal], float] = {}
    started, count = time.perf_counter(), int(seconds * rate)
    for i in range(count):
        time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        product, price = products[i % len(products)], Decimal(90000 + i) + Decimal("0.37")
        watcher.expect(product, price)  # before the append: the projector may be quick
        revise_product(ctx, product, {"price": price})
        commits[(product, price)] = time.perf_counter()
        print(f"[revision-lag] {i + 1}/{count} revisions", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return commits


def measure(seconds: float, rate: float) -> dict:
    setup_django()
    import psycopg

    from aforro_backend import composition

    ctx = composition.command_context()
    products, stores, widest = prepare(ctx)
    dbname = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    dsn = f"dbname={dbname} host=127.0.0.1 user=postgres"
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "run_projectors", "catalog"], cwd=ROOT, env=dict(os.environ)
    )
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            wait_caught_up(conn)
        watcher = Watcher(dsn, stores)
        watcher.start()
        commits = revise_paced(ctx, products, seconds, rate, watcher)
        watcher.drain(timeout=10)
    finally:
        worker.terminate()
        worker.wait(10)
    return {**summary(commits, watcher.visible, seconds, stores), "widest": widest}


def summary(commits: dict, visible: dict, seconds: float, stores: int) -> dict:
    lags = [max(0.0, visible[k] - t) * 1000 for k, t in commits.items() if k in visible]
    return {
        "revisions": len(commits),
        "measured": len(lags),
        "seconds": seconds,
        "stores": stores,
        **{f"p{q}": percentile(lags, q) for q in (50, 95, 99)},
        "max": max(lags, default=float("nan")),
    }


def run(quick: bool = False) -> list[dict]:
    seconds = 3 if quick else 20
    print(
        f"[bench] revision-lag: default catalog in {DATABASE}, then {seconds * RATE:g} "
        f"revisions at {RATE:g}/s",
        flush=True,
    )
    env = fresh_database(DATABASE)
    try:
        d = run_measurement("bench.revision_lag", env, str(seconds), str(RATE))
    finally:  # 7,000 aggregates nobody else needs
        drop = ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DATABASE]
        subprocess.run(drop, check=False)
    return result_rows(d, seconds)


def result_rows(d: dict, seconds: int) -> list[dict]:
    unseen = d["revisions"] - d["measured"]
    rows = [
        row(SCENARIO, f"commit → all rows visible p{q}", round(d[f"p{q}"], 1), "ms")
        for q in (50, 95)
    ]
    rows[0]["note"] = (
        f"{d['revisions']} revisions at {RATE:g}/s for {d['seconds']:g} s over {PRODUCTS} "
        f"products, each carried by all {d['stores']} stores; {d['measured']} seen visible "
        f"within 10 s. Before the top-up the widest product was in {d['widest']} of the "
        f"{d['stores']} stores"
    )
    env = " ".join(f"{k}={v}" for k, v in service_env(DATABASE).items() if os.environ.get(k) != v)
    rows[0]["commands"] = [
        f"ENV='{env}'",
        f"createdb -h 127.0.0.1 -U postgres {DATABASE}  # dropped first, and again after",
        "env $ENV .venv/bin/python manage.py migrate -v0",
        f"env $ENV .venv/bin/python -m bench.revision_lag "
        f"--measure {seconds} {RATE:g}  # seeds, then runs `manage.py run_projectors catalog`",
    ]
    p99 = row(
        SCENARIO,
        "commit → all rows visible p99",
        round(d["p99"], 1),
        "ms",
        target="< 250 ms",
        met=d["p99"] < 250 and unseen == 0,
    )
    peak = row(SCENARIO, "commit → all rows visible max", round(d["max"], 1), "ms")
    never = row(
        SCENARIO,
        "revisions never seen on every store",
        unseen,
        "revisions",
        target="= 0",
        met=unseen == 0,
    )
    return [*rows, p99, peak, never]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.revision_lag",
        description="Price revision → every store's inventory row: the lag (see bench/README.md).",
    )
    parser.add_argument("--quick", action="store_true", help="3 s of revisions instead of 20")
    parser.add_argument(
        "--measure",
        nargs=2,
        type=float,
        metavar=("SECONDS", "RATE"),
        help="inside the measurement process: print the figures as JSON",
    )
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
    else:
        for result in run(quick=args.quick):
            print(result)


if __name__ == "__main__":
    main(sys.argv[1:])
