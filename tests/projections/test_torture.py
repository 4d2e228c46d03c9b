"""No skipped events: 8 writers append concurrently, with appends that roll back (gaps in the
positions) and a foreign transaction that holds an order's first position open before rolling
back, while `run_projectors` tails the event store. Afterwards every order, product and stock
quantity in the read tables matches the event store read by a fresh application.

A reader that resumes after its checkpoint misses an event only if that event's transaction
commits after a later position became visible. The recorder's table lock keeps positions in
commit order; this test fails when that guarantee is broken (checked against
POSTGRES_ENABLE_DB_FUNCTIONS="y", and against a source that drops a notification per batch)."""

import random
import subprocess
import threading
from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

import psycopg
import pytest
from django.db import connections
from eventsourcing.persistence import IntegrityError

from command_side.application import OrderingApplication
from command_side.bulk_commands import ProductSpec, StockSpec, register_products, stock_new_items
from command_side.ids import order_id_for_idempotency_key, stock_item_id
from command_side.order import Order
from command_side.place_order import PlaceOrder, place_order
from command_side.stock import StockItem
from events.catalog import ProductRegistered
from events.config import event_store_config, postgres_conninfo
from events.orders import OrderPlaced
from events.stock import StockItemOpened
from events.store import EVENTS_TABLE, application_env
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow, OrderRow, ProductRow, ProjectionCheckpoint
from query_side.selectors.projection_progress import wait_for_position

from .workload import Catalog, head, open_catalog, random_order, run_projectors, stop, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Each writer thread holds a writer-lock connection: 8 of them keep the test inside the suite's
# connection budget (tests/pg_connections.py) with as many commands as 16 writers of 45 made.
WRITERS = 8
COMMANDS_PER_WRITER = 90
BULK_ROUNDS, BULK_SIZE = 4, 250
HELD_ROLLBACKS = 25
PAUSE = 0.02  # between a writer's commands: the projector, on the same cores, keeps up
NAMES = ["catalog", "store_orders"]


def write(ctx, catalog: Catalog, seed: int, errors: list) -> None:
    """Orders over many stock items, some receipts, and now and then an append that fails."""
    rng = random.Random(seed)
    try:
        pause = threading.Event()
        for _ in range(COMMANDS_PER_WRITER):
            pause.wait(PAUSE)
            roll = rng.random()
            if roll < 0.08:
                conflicting_append(ctx, rng, catalog)
            elif roll < 0.16:
                store, product = rng.choice(catalog.store_ids), rng.choice(catalog.product_ids)
                catalog.receive(ctx, store, product, rng.randrange(1, 20))
            else:
                catalog.outcomes.append(place_order(ctx, random_order(rng, catalog)))
    except BaseException as error:
        errors.append(error)
    finally:
        ctx.locks.close()


def conflicting_append(ctx, rng: random.Random, catalog: Catalog) -> None:
    """A new order saved with a stale stock item: the append rolls back after taking positions."""
    order = Order(uuid4())
    order._record(OrderPlaced, ctx.clock(), store_id=1, lines=[], request_fingerprint="")
    store, product = rng.choice(sorted(catalog.stocked))
    stale = StockItem.open(store, product, ctx.clock())  # version 1 exists already
    try:
        ctx.app.save(order, stale)
    except IntegrityError:
        return
    raise AssertionError("the stale stock item should have conflicted")


def bulk_seed(ctx, catalog: Catalog, projector: subprocess.Popen, errors: list) -> None:
    """Large appends (a catalog import while orders flow). Each takes long to insert, so small
    appends racing it would commit first if positions were not kept in commit order; each round
    starts once the projector has reached the head, so the projector is tailing it closely."""
    try:
        for round_no in range(BULK_ROUNDS):
            position = head(ctx)
            if not wait_until(lambda: reached(position) or projector.poll() is not None, 60):  # noqa: B023
                raise AssertionError("the projector fell behind")
            if projector.poll() is not None:
                return
            first = 1000 + round_no * BULK_SIZE
            ids = range(first, first + BULK_SIZE)
            products = [ProductSpec(i, f"Bulk {i}", "", Decimal("1.25"), "Bulk") for i in ids]
            register_products(ctx, products)
            store = catalog.store_ids[round_no % len(catalog.store_ids)]
            stock_new_items(ctx, [StockSpec(store, i, 3) for i in ids])
    except BaseException as error:
        errors.append(error)
    finally:
        ctx.locks.close()
        connections.close_all()


def reached(position: int) -> bool:
    return wait_for_position(NAMES, position, timeout=0)


def place_into(ctx, catalog: Catalog, command: PlaceOrder, errors: list) -> None:
    try:
        catalog.outcomes.append(place_order(ctx, command))
    except BaseException as error:
        errors.append(error)
    finally:
        ctx.locks.close()


def rolled_back_insert_ahead_of_an_order(ctx, catalog: Catalog, rounds: int, errors: list) -> None:
    """A transaction outside the library inserts the first event of an order-to-be and holds it
    until another append waits behind it, then a moment longer, then rolls back; meanwhile that
    very order is placed. The order's append waits behind it; every other append must wait too,
    or a reader passes the order's positions while other writers' later positions commit."""
    rng = random.Random(99)
    conninfo = postgres_conninfo(event_store_config())
    try:
        with psycopg.connect(conninfo) as conn, psycopg.connect(conninfo, autocommit=True) as spy:
            for round_no in range(rounds):
                key = f"torture-{round_no}"
                conn.execute(
                    f"INSERT INTO {EVENTS_TABLE} "
                    "(originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)",
                    (order_id_for_idempotency_key(key), OrderPlaced.TOPIC, b"{}"),
                )
                command = replace(random_order(rng, catalog), idempotency_key=key)
                placer = threading.Thread(target=place_into, args=(ctx, catalog, command, errors))
                placer.start()
                wait_until(
                    lambda: blocked_by(spy, conn.info.backend_pid), timeout=3, interval=0.005
                )
                conn.execute("SELECT pg_sleep(0.1)")
                conn.rollback()
                placer.join(timeout=30)
    except BaseException as error:
        errors.append(error)


def blocked_by(spy: psycopg.Connection, pid: int) -> bool:
    row = spy.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
    ).fetchone()
    return row[0] > 0


def stocked_items(app) -> list[tuple[int, int]]:
    notifications = app.recorder.select_notifications(
        start=1, limit=10**7, topics=[StockItemOpened.TOPIC]
    )
    events = [app.mapper.to_domain_event(n) for n in notifications]
    return [(e.store_id, e.product_id) for e in events]


def registered_product_ids(app) -> set[int]:
    notifications = app.recorder.select_notifications(
        start=1, limit=10**7, topics=[ProductRegistered.TOPIC]
    )
    return {app.mapper.to_domain_event(n).product_id for n in notifications}


def placed_order_ids(app) -> list:
    notifications = app.recorder.select_notifications(
        start=1, limit=10**7, topics=[OrderPlaced.TOPIC]
    )
    return [n.originator_id for n in notifications]


def test_concurrent_writers_with_rollbacks_never_make_the_projector_skip_an_event(ctx, tmp_path):
    catalog = open_catalog(ctx, random.Random(71), stores=3, products=16)
    log = tmp_path / "run_projectors.log"
    # Its own process (no GIL shared with the writers), so it tails the head closely.
    projector = run_projectors(log, *NAMES, "--batch-size", "200", "--poll-interval", "0.05")
    errors: list = []
    threads = [
        threading.Thread(target=write, args=(ctx, catalog, seed, errors), daemon=True)
        for seed in range(WRITERS)
    ]
    threads.append(
        threading.Thread(
            target=rolled_back_insert_ahead_of_an_order,
            args=(ctx, catalog, HELD_ROLLBACKS, errors),
            daemon=True,
        )
    )
    threads.append(
        threading.Thread(target=bulk_seed, args=(ctx, catalog, projector, errors), daemon=True)
    )
    try:
        assert wait_for_position(NAMES, head(ctx), timeout=30), log.read_text()[-3000:]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        assert projector.poll() is None, log.read_text()[-3000:]
        assert not errors
        assert wait_for_position(NAMES, head(ctx), timeout=60), log.read_text()[-3000:]
        projector.terminate()
        assert projector.wait(timeout=15) == 0, log.read_text()[-3000:]
    finally:
        stop(projector)

    catch_up(select(None))  # what the worker skipped stays skipped: the checkpoints moved on
    fresh = OrderingApplication(env=application_env(event_store_config()))
    try:
        order_ids = placed_order_ids(fresh)
        assert len(order_ids) == len(catalog.outcomes) > WRITERS * COMMANDS_PER_WRITER // 2
        expected_orders = {oid: fresh.load(Order, oid).status for oid in order_ids}
        assert {"CONFIRMED", "REJECTED"} <= set(expected_orders.values())
        product_ids = registered_product_ids(fresh)
        assert len(product_ids) == len(catalog.product_ids) + BULK_ROUNDS * BULK_SIZE
        items = stocked_items(fresh)
        expected_stock = {
            (s, p): fresh.load(StockItem, stock_item_id(s, p)).quantity for s, p in items
        }
    finally:
        fresh.close()
    assert dict(OrderRow.objects.values_list("order_id", "status")) == expected_orders
    assert set(ProductRow.objects.values_list("product_id", flat=True)) == product_ids
    inventory = InventoryRow.objects.values_list("store_id", "product_id", "quantity")
    assert {(s, p): q for s, p, q in inventory} == expected_stock
    checkpoints = ProjectionCheckpoint.objects.filter(name__in=NAMES)
    assert set(checkpoints.values_list("position", flat=True)) == {head(ctx)}
