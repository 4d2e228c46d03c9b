"""The writer process of the append-ceiling benchmark: `python -m bench.append_writers INDEX`.

It sets Django up once (settings from the environment) and then obeys one JSON command per
line on stdin, answering one JSON line on stdout:

- `{"do": "seed", "stores": S, "products": P}`: the catalog and stock the order writers use.
- `{"do": "catalog", "stores": S, "products": P}`: what the order writers choose from.
- `{"do": "run", "mode": "append" | "order", "threads": T, "until": EPOCH}`: T writer threads
  loop until the wall clock reaches EPOCH (the operations finished by then are counted), each
  at most `per_second` operations a second when given (a paced load).
  `append`: one atomic append of APPEND_AGGREGATES new stock items (the store's own cost: no
  loads, no decision). `order`: `place_order` with a random basket of 1-3 lines (loads from
  the aggregate cache, decides, appends the order and its reservations at once, retries on
  version conflicts). Answers the operations done, their
  latencies in ms, and the version conflicts retried.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import threading
import time

from .measure_env import setup_django

APPEND_AGGREGATES = 4  # about an order of 3 lines: the order and 3 reservations
NEW_ITEMS_STORE = 100_000  # stores no order uses: the append mode's new stock items


class Writers:
    def __init__(self, index: int) -> None:
        setup_django()
        from aforro_backend import composition

        self.index = index
        self.ctx = composition.command_context()
        self.counter = itertools.count(1)  # next() is atomic under the GIL
        self.stores = self.products = 0

    def seed(self, stores: int, products: int) -> dict:
        from decimal import Decimal

        from command_side.bulk_commands import (
            ProductSpec,
            StockSpec,
            StoreSpec,
            open_stores,
            register_products,
            stock_new_items,
        )

        ctx = self.ctx
        open_stores(ctx, [StoreSpec(s, f"Store {s}", "Bench") for s in range(1, stores + 1)])
        specs = [ProductSpec(p, f"P{p}", "", Decimal("1"), "C") for p in range(1, products + 1)]
        register_products(ctx, specs)
        for s in range(1, stores + 1):
            stock_new_items(ctx, [StockSpec(s, p, 10_000_000) for p in range(1, products + 1)])
        return {"seeded": stores * products}

    def catalog(self, stores: int, products: int) -> dict:
        self.stores, self.products = stores, products
        return {"stores": stores, "products": products}

    def append_once(self, _rng: random.Random) -> None:
        from command_side.stock import StockItem

        now = self.ctx.clock()
        store = NEW_ITEMS_STORE + self.index
        items = [StockItem.open(store, next(self.counter), now) for _ in range(APPEND_AGGREGATES)]
        self.ctx.app.save(*items)

    def order_once(self, rng: random.Random) -> None:
        from command_side.order import OrderLine
        from command_side.place_order import PlaceOrder, place_order

        products = rng.sample(range(1, self.products + 1), rng.randint(1, 3))
        lines = tuple(OrderLine(p, rng.randint(1, 3)) for p in products)
        place_order(self.ctx, PlaceOrder(rng.randint(1, self.stores), lines))

    def run(self, mode: str, threads: int, until: float, per_second: float = 0) -> dict:
        operation = {"append": self.append_once, "order": self.order_once}[mode]
        latencies: list[list[float]] = [[] for _ in range(threads)]
        in_window = [0] * threads  # finished by `until`: the throughput counts these
        conflicts_before = self.ctx.conflicts

        def writer(n: int) -> None:
            rng = random.Random(f"{self.index}-{n}-{until}")
            mine, interval = latencies[n], 1 / per_second if per_second else 0.0
            while time.time() < until:
                started = time.perf_counter()
                operation(rng)
                mine.append((time.perf_counter() - started) * 1000)
                in_window[n] += time.time() <= until
                time.sleep(max(0.0, interval - (time.perf_counter() - started)))

        workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        flat = [round(ms, 3) for mine in latencies for ms in mine]
        conflicts = self.ctx.conflicts - conflicts_before
        self.flush_statistics()
        return {"ops": sum(in_window), "latencies_ms": flat, "conflicts": conflicts}

    def flush_statistics(self) -> None:
        """Make every pooled session publish its statistics now: an idle session otherwise
        keeps them up to 10 s (PostgreSQL 15), and the next run's figures would get them."""
        pool = self.ctx.app.recorder.datastore.pool
        held = [pool.getconn(timeout=10) for _ in range(pool.get_stats()["pool_size"])]
        for conn in held:
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.commit()  # idle, outside a transaction: the session flushes at once
            pool.putconn(conn)


def main(index: int) -> None:
    writers = Writers(index)
    print(json.dumps({"ready": index}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        action = command.pop("do")
        answer = getattr(writers, action)(**command)
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
