"""No oversell under concurrent clients, checked against the PostgreSQL event store.

Threads call `place_order` the way a threaded web worker would (one shared CommandContext) or
the way separate processes would (a CommandContext each, with its own aggregate cache). The
outcome is always checked afresh from the event store, never from a cache.

Every client thread holds a writer-lock connection of its own while it races, so the number of
clients is what these tests cost the shared PostgreSQL server: 12 clients keep the suite inside
its budget of 25 connections (tests/pg_connections.py) while still many more orders race for the
stock than it holds.
"""

import dataclasses
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.conf import settings

from aforro_backend import composition
from command_side.application import OrderingApplication
from command_side.catalog_commands import open_store
from command_side.context import CommandContext
from command_side.errors import ConcurrencyExhausted
from command_side.ids import stock_item_id
from command_side.locks import AdvisoryWriterLocks, NoWriterLocks
from command_side.order import CONFIRMED, REJECTED
from command_side.place_order import OrderOutcome, PlaceOrder, place_order
from command_side.stock import StockItem
from events.stock import StockItemReserved
from events.store import application_env
from tests.command_side.test_place_order import order, quantity_of, stocked

# django_db, though threads never touch Django's database: it makes pytest-django set up the test
# database (and so point the event store at it) even when only these tests are run.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

T = TypeVar("T")

CLIENTS = 12
ORDERS_PER_CLIENT = 6  # 72 orders race for 50 units: 22 must be rejected
UNITS = 50


def run_clients(
    contexts: Sequence[CommandContext], jobs: Sequence[Sequence[Callable[[CommandContext], T]]]
) -> list[T]:
    """One thread per client, all released at once; each runs its jobs in turn."""
    pairs = list(zip(contexts, jobs, strict=True))  # before any thread waits at the barrier
    barrier = threading.Barrier(len(jobs), timeout=120)

    def client(ctx: CommandContext, client_jobs: Sequence[Callable[[CommandContext], T]]):
        barrier.wait()
        try:
            return [job(ctx) for job in client_jobs]
        finally:
            ctx.locks.close()  # this thread's lock connection

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(client, c, j) for c, j in pairs]
        return [result for future in futures for result in future.result()]


def placing(command: PlaceOrder) -> Callable[[CommandContext], OrderOutcome]:
    return lambda ctx: place_order(ctx, command)


def one_unit_orders() -> list[list[Callable[[CommandContext], OrderOutcome]]]:
    return [[placing(order(1, (1, 1)))] * ORDERS_PER_CLIENT for _ in range(CLIENTS)]


def fresh_context() -> CommandContext:
    """A new application with an empty aggregate cache: what the event store really holds."""
    composition.reset()
    return composition.command_context()


def stored_reservations(ctx: CommandContext) -> list[StockItemReserved]:
    notifications = ctx.app.recorder.select_notifications(start=1, limit=100_000)
    reserved = [n for n in notifications if n.topic == StockItemReserved.TOPIC]
    return [ctx.app.mapper.to_domain_event(n) for n in reserved]


def assert_every_unit_sold_once(outcomes: list[OrderOutcome]) -> None:
    statuses = Counter(outcome.order.status for outcome in outcomes)
    assert statuses == {CONFIRMED: UNITS, REJECTED: CLIENTS * ORDERS_PER_CLIENT - UNITS}
    fresh = fresh_context()
    assert quantity_of(fresh, 1, 1) == 0
    reserved = stored_reservations(fresh)
    assert sum(event.quantity for event in reserved) == UNITS
    # Each reservation took the next unit: quantities after are 49..0, once each, none negative.
    assert sorted(event.quantity_after for event in reserved) == list(range(UNITS))
    confirmed = {outcome.order.id for outcome in outcomes if outcome.order.status == CONFIRMED}
    assert {event.order_id for event in reserved} == confirmed


def test_clients_sharing_one_context_confirm_exactly_the_units_in_stock(ctx):
    stocked(ctx, {1: UNITS})
    outcomes = run_clients([ctx] * CLIENTS, one_unit_orders())
    assert_every_unit_sold_once(outcomes)


PROCESSES = 6


@pytest.fixture
def process_contexts(ctx):
    """One CommandContext per simulated process: own application, aggregate cache, catalog view
    and lock connections. Each client thread needs its own lock connection, so 6 processes of
    2 threads with one pooled connection each hold 18 connections while they race."""
    config = dataclasses.replace(composition.event_store_config(), pool_size=1)
    env = application_env(config) | {"POSTGRES_MAX_OVERFLOW": "0"}
    contexts = [
        CommandContext(
            OrderingApplication(env=env),
            AdvisoryWriterLocks(composition.postgres_conninfo(config)),
            max_attempts=settings.ORDER_MAX_ATTEMPTS,
        )
        for _ in range(PROCESSES)
    ]
    yield contexts
    for context in contexts:
        context.locks.close()
        context.app.close()


def test_clients_in_separate_processes_confirm_exactly_the_units_in_stock(ctx, process_contexts):
    stocked(ctx, {1: UNITS})
    for context in process_contexts:
        # Warm every cache first, so each process starts the race holding a soon-stale copy.
        assert context.app.load(StockItem, stock_item_id(1, 1)).quantity == UNITS
    clients = [process_contexts[i % PROCESSES] for i in range(CLIENTS)]
    outcomes = run_clients(clients, one_unit_orders())
    assert_every_unit_sold_once(outcomes)


def test_without_writer_locks_the_event_store_alone_still_prevents_overselling(ctx):
    stocked(ctx, {1: UNITS})
    unlocked = CommandContext(ctx.app, NoWriterLocks(), max_attempts=50)

    def place_or_give_up(command: PlaceOrder) -> Callable[[CommandContext], str]:
        def job(context: CommandContext) -> str:
            try:
                return place_order(context, command).order.status
            except ConcurrencyExhausted:
                return "GAVE UP"

        return job

    jobs = [[place_or_give_up(order(1, (1, 1)))] * ORDERS_PER_CLIENT for _ in range(CLIENTS)]
    statuses = Counter(run_clients([unlocked] * CLIENTS, jobs))
    fresh = fresh_context()
    final = quantity_of(fresh, 1, 1)
    reserved = stored_reservations(fresh)
    assert final >= 0
    assert statuses[CONFIRMED] == UNITS - final == sum(event.quantity for event in reserved)
    assert sorted(e.quantity_after for e in reserved) == list(range(final, UNITS))


PRODUCTS = 8
UNITS_EACH = 30
MIXED_CLIENTS = 12
MIXED_ORDERS_PER_CLIENT = 25


def random_baskets(seed: int) -> list[PlaceOrder]:
    rng = random.Random(seed)
    baskets = []
    for _ in range(MIXED_ORDERS_PER_CLIENT):
        products = rng.sample(range(1, PRODUCTS + 1), rng.randint(1, 4))
        baskets.append(order(1, *[(product, rng.randint(1, 3)) for product in products]))
    return baskets


def test_random_baskets_over_many_items_reserve_all_lines_or_none_and_never_oversell(ctx):
    stocked(ctx, dict.fromkeys(range(1, PRODUCTS + 1), UNITS_EACH))
    jobs = [[placing(basket) for basket in random_baskets(seed)] for seed in range(MIXED_CLIENTS)]
    outcomes = run_clients([ctx] * MIXED_CLIENTS, jobs)
    assert {outcome.order.status for outcome in outcomes} == {CONFIRMED, REJECTED}

    confirmed_units: Counter[int] = Counter()
    expected_lines: dict = {}
    for outcome in outcomes:
        lines = {line["product_id"]: line["quantity_requested"] for line in outcome.order.lines}
        expected_lines[outcome.order.id] = lines if outcome.order.status == CONFIRMED else {}
        if outcome.order.status == CONFIRMED:
            confirmed_units.update(lines)

    fresh = fresh_context()
    reserved_lines: dict = defaultdict(dict)
    for event in stored_reservations(fresh):
        reserved_lines[event.order_id][event.product_id] = event.quantity
    for order_id, lines in expected_lines.items():
        assert reserved_lines.get(order_id, {}) == lines, order_id
    for product_id in range(1, PRODUCTS + 1):
        final = quantity_of(fresh, 1, product_id)
        assert final >= 0
        assert confirmed_units[product_id] == UNITS_EACH - final, product_id


def test_stores_opened_concurrently_each_get_their_own_id_from_the_sequence(ctx):
    jobs = [[lambda c, i=i: open_store(c, f"Store {i}", "Lisbon")] for i in range(CLIENTS)]
    saved = run_clients([ctx] * CLIENTS, jobs)
    assert sorted(s.aggregate.store_id for s in saved) == list(range(1, CLIENTS + 1))
