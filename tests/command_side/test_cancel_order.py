"""Order.cancel and cancel_order against the real event store (either backend); the
concurrency guarantees on PostgreSQL with real threads."""

from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from command_side.cancel_order import CancelOrder, cancel_order
from command_side.errors import OrderNotCancellable, OrderNotFound
from command_side.ids import stock_item_id
from command_side.order import CANCELLED, CONFIRMED, REJECTED
from command_side.place_order import place_order
from events.orders import OrderCancelled
from events.stock import StockReleased
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow, OrderStatusCount
from tests.command_side.test_concurrency import (
    CLIENTS,
    fresh_context,
    process_contexts,
    run_clients,
)
from tests.command_side.test_place_order import order, quantity_of, stocked

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 1, 1, tzinfo=UTC)
__all__ = ["process_contexts"]  # the fixture, shared


def stored(ctx, event_class) -> list:
    notifications = ctx.app.recorder.select_notifications(start=1, limit=100_000)
    found = [n for n in notifications if n.topic == event_class.TOPIC]
    return [ctx.app.mapper.to_domain_event(n) for n in found]


def head(ctx) -> int:
    return ctx.app.recorder.max_notification_id() or 0


def test_a_confirmed_order_cancels_and_releases_every_line(ctx):
    stocked(ctx, {1: 10, 2: 5})
    placed = place_order(ctx, order(1, (1, 3), (2, 5)))
    outcome = cancel_order(ctx, CancelOrder(placed.order.id, "changed my mind"))
    assert outcome.order.status == CANCELLED
    assert outcome.order.cancellation_reason == "changed my mind"
    assert outcome.position == head(ctx)
    assert (quantity_of(ctx, 1, 1), quantity_of(ctx, 1, 2)) == (10, 5)
    released = stored(ctx, StockReleased)
    assert {(e.product_id, e.quantity, e.quantity_after) for e in released} == {
        (1, 3, 10),
        (2, 5, 5),
    }
    assert {e.order_id for e in released} == {placed.order.id}


def test_the_aggregate_records_nothing_when_cancelled_again(ctx):
    stocked(ctx, {1: 10})
    placed = place_order(ctx, order(1, (1, 3)))
    first = cancel_order(ctx, CancelOrder(placed.order.id))
    version = first.order.version
    assert first.order.cancel("again", {}, NOW) == []
    assert first.order.version == version and first.order.collect_events() == []


def test_a_second_cancel_answers_the_same_order_and_appends_nothing(ctx):
    stocked(ctx, {1: 10})
    placed = place_order(ctx, order(1, (1, 3)))
    first = cancel_order(ctx, CancelOrder(placed.order.id, "first"))
    before = head(ctx)
    again = cancel_order(ctx, CancelOrder(placed.order.id, "second"))
    assert head(ctx) == before and again.position == first.position
    assert again.order.cancellation_reason == "first"
    assert again.order.cancelled_at == first.order.cancelled_at
    assert quantity_of(ctx, 1, 1) == 10


def test_a_rejected_order_cannot_be_cancelled_and_nothing_is_written(ctx):
    stocked(ctx, {1: 1})
    placed = place_order(ctx, order(1, (1, 5)))
    assert placed.order.status == REJECTED
    before = head(ctx)
    with pytest.raises(OrderNotCancellable):
        cancel_order(ctx, CancelOrder(placed.order.id))
    assert head(ctx) == before and quantity_of(ctx, 1, 1) == 1


def test_an_unknown_id_or_the_id_of_a_stock_item_is_not_an_order(ctx):
    stocked(ctx, {1: 1})
    before = head(ctx)
    for not_an_order in (uuid4(), stock_item_id(1, 1)):
        with pytest.raises(OrderNotFound):
            cancel_order(ctx, CancelOrder(not_an_order))
    assert head(ctx) == before


@pytest.mark.postgres
def test_concurrent_cancels_of_one_order_release_the_stock_exactly_once(ctx, process_contexts):
    stocked(ctx, {1: 10, 2: 10})
    placed = place_order(ctx, order(1, (1, 4), (2, 6)))
    cancel = CancelOrder(placed.order.id, "race")
    jobs = [[lambda c: cancel_order(c, cancel)] for _ in range(CLIENTS)]
    clients = [process_contexts[i % len(process_contexts)] for i in range(CLIENTS)]
    outcomes = run_clients(clients, jobs)
    assert {o.order.status for o in outcomes} == {CANCELLED}
    assert len({o.position for o in outcomes}) == 1
    fresh = fresh_context()
    assert len(stored(fresh, OrderCancelled)) == 1
    assert Counter(e.product_id for e in stored(fresh, StockReleased)) == {1: 1, 2: 1}
    assert (quantity_of(fresh, 1, 1), quantity_of(fresh, 1, 2)) == (10, 10)


ROUNDS, UNITS = 3, 8  # each client keeps one unit net: 12 clients want more than there is


def place_then_cancel_every_other(context):
    """Place one-unit orders; cancel every second confirmed one."""
    outcomes = []
    for round_no in range(ROUNDS):
        outcome = place_order(context, order(1, (1, 1)))
        if outcome.order.status == CONFIRMED and round_no % 2 == 0:
            outcome = cancel_order(context, CancelOrder(outcome.order.id))
        outcomes.append(outcome)
    return outcomes


@pytest.mark.postgres
def test_clients_placing_and_cancelling_on_one_hot_item_never_lose_or_double_a_unit(
    ctx, process_contexts
):
    stocked(ctx, {1: UNITS})
    clients = [process_contexts[i % len(process_contexts)] for i in range(CLIENTS)]
    results = run_clients(clients, [[place_then_cancel_every_other]] * CLIENTS)
    statuses = Counter(o.order.status for batch in results for o in batch)
    fresh = fresh_context()
    confirmed = statuses[CONFIRMED] + statuses[CANCELLED]
    assert statuses[CANCELLED] > 0 and statuses[REJECTED] > 0
    assert quantity_of(fresh, 1, 1) == UNITS - confirmed + statuses[CANCELLED]
    assert len(stored(fresh, StockReleased)) == statuses[CANCELLED]
    released_after = [e.quantity_after for e in stored(fresh, StockReleased)]
    assert min(released_after) >= 1
    # The read model, caught up, equals the event store.
    catch_up(select(None))
    assert InventoryRow.objects.get(store_id=1, product_id=1).quantity == quantity_of(fresh, 1, 1)
    counts = dict(OrderStatusCount.objects.values_list("status", "orders"))
    assert counts == {s: n for s, n in statuses.items() if n}
