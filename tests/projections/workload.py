"""Shared by the projection tests: a reproducible random workload, snapshots of every read
table, and `run_projectors` subprocesses pointed at the test database."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connections

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.order import OrderLine
from command_side.place_order import OrderOutcome, PlaceOrder, place_order
from projections.registry import read_model_projectors
from query_side.models import ProjectionCheckpoint

CATEGORIES = ("Dairy", "Bakery", "Produce", "Pantry")


@dataclass
class Catalog:
    store_ids: list[int]
    product_ids: list[int]
    outcomes: list[OrderOutcome] = field(default_factory=list)
    stocked: set[tuple[int, int]] = field(default_factory=set)  # stock items that exist

    def receive(self, ctx: CommandContext, store_id: int, product_id: int, quantity: int) -> None:
        receive_stock(ctx, store_id, product_id, quantity)
        self.stocked.add((store_id, product_id))


def open_catalog(
    ctx: CommandContext, rng: random.Random, stores: int = 3, products: int = 8
) -> Catalog:
    """Stores and products with varied titles, categories and prices; most items stocked."""
    catalog = Catalog(list(range(1, stores + 1)), list(range(1, products + 1)))
    for store_id in catalog.store_ids:
        open_store(ctx, f"Store {store_id}", f"City {store_id}", store_id=store_id)
    for product_id in catalog.product_ids:
        price = Decimal(rng.randrange(50, 5000)) / 100
        category = CATEGORIES[product_id % len(CATEGORIES)]
        register_product(ctx, f"Product {product_id}", "", price, category, product_id=product_id)
    for store_id in catalog.store_ids:
        for product_id in catalog.product_ids:
            if rng.random() < 0.8:  # the rest are never stocked: orders for them are rejected
                catalog.receive(ctx, store_id, product_id, rng.randrange(1, 40))
    return catalog


def random_order(rng: random.Random, catalog: Catalog) -> PlaceOrder:
    products = rng.sample(catalog.product_ids, rng.randrange(1, 4))
    lines = tuple(OrderLine(p, rng.randrange(1, 7)) for p in products)
    return PlaceOrder(rng.choice(catalog.store_ids), lines)


def random_step(ctx: CommandContext, rng: random.Random, catalog: Catalog) -> None:
    """One command: mostly an order (some rejected for lack of stock), sometimes a receipt."""
    if rng.random() < 0.1:
        store_id, product_id = rng.choice(catalog.store_ids), rng.choice(catalog.product_ids)
        catalog.receive(ctx, store_id, product_id, rng.randrange(1, 25))
    else:
        catalog.outcomes.append(place_order(ctx, random_order(rng, catalog)))


def random_workload(ctx: CommandContext, seed: int, steps: int, **catalog_size: int) -> Catalog:
    rng = random.Random(seed)
    catalog = open_catalog(ctx, rng, **catalog_size)
    for _ in range(steps):
        random_step(ctx, rng, catalog)
    return catalog


def snapshot_read_tables() -> dict[str, list[tuple]]:
    """Every read table (and the checkpoints) as sorted row tuples, without auto-increment ids."""
    tables = [t for p in read_model_projectors().values() for t in p.tables]
    snapshot = {}
    for model in [*tables, ProjectionCheckpoint]:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        snapshot[model._meta.db_table] = sorted(model.objects.values_list(*names))
    return snapshot


def head(ctx: CommandContext) -> int:
    return ctx.app.recorder.max_notification_id() or 0


def stored_events(ctx: CommandContext) -> int:
    """How many events the store holds (positions do not start at 1 after a wipe)."""
    return len(ctx.app.recorder.select_notifications(start=1, limit=10**9))


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass (a bounded wait, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def subprocess_database_url() -> str:
    """The URL of the database pytest-django created, for subprocesses."""
    db = connections["default"].settings_dict
    credentials = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_projectors(
    log: Path, *args: str, app_name: str = "aforro-test-projector"
) -> subprocess.Popen:
    """Start `manage.py run_projectors` on the test database; its output goes to `log`."""
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "test-only"),
        "PGAPPNAME": app_name,  # names its sessions in pg_stat_activity
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_projectors", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:
    """Kill a subprocess if it still runs and reap it."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
