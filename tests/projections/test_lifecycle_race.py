"""Cancels racing product revisions and stock adjustments on the same items lose nothing, and a
replay of the whole log, with every kind of event in it, reproduces the live read side."""

from __future__ import annotations

import contextlib
from collections import Counter
from decimal import Decimal

import pytest

from command_side.cancel_order import CancelOrder, cancel_order
from command_side.catalog import Product
from command_side.catalog_commands import adjust_stock, revise_product
from command_side.errors import StockWouldGoNegative
from command_side.ids import product_aggregate_id
from command_side.order import CANCELLED, CONFIRMED
from command_side.place_order import place_order
from events.catalog import ProductRevised
from events.config import event_store_reader
from events.stock import StockAdjusted, StockItemReserved, StockReleased
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from query_side.models import InventoryRow, ProductRow
from tests.command_side.test_cancel_order import stored
from tests.command_side.test_concurrency import fresh_context, process_contexts, run_clients
from tests.command_side.test_place_order import order, quantity_of, stocked

from .test_rebuild import ignore_progress, live_tables_after
from .workload import head, snapshot_read_tables

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db]
__all__ = ["process_contexts"]  # the fixture, shared

UNITS, BUYERS, ORDERS_EACH, REVISIONS = 12, 8, 4, 6


def buy_and_cancel_every_other(context) -> list:
    outcomes = []
    for n in range(ORDERS_EACH):
        outcome = place_order(context, order(1, (1, 1), (2, 1)))
        if outcome.order.status == CONFIRMED and n % 2 == 0:
            outcome = cancel_order(context, CancelOrder(outcome.order.id, "changed my mind"))
        outcomes.append(outcome)
    return outcomes


def revise_prices(context) -> list:
    for n in range(REVISIONS):
        revise_product(context, 1, {"price": Decimal(f"{2 + n}.50"), "title": f"Milk v{n}"})
    return []


def adjust_back_and_forth(context) -> list:
    for n in range(REVISIONS):
        # A refused adjustment records nothing: the count below reads what was recorded.
        with contextlib.suppress(StockWouldGoNegative):
            adjust_stock(context, 1, 1, -2 if n % 2 else 3, "recount")
    return []


def test_cancels_racing_revisions_and_adjustments_lose_nothing_and_replay_equal(
    ctx, process_contexts
):
    stocked(ctx, {1: UNITS, 2: UNITS})
    jobs = [[buy_and_cancel_every_other]] * BUYERS + [[revise_prices], [adjust_back_and_forth]]
    clients = [process_contexts[i % len(process_contexts)] for i in range(len(jobs))]
    statuses = Counter(o.order.status for batch in run_clients(clients, jobs) for o in batch)
    assert statuses[CANCELLED] > 0 and statuses[CONFIRMED] > 0
    fresh = fresh_context()
    for product_id in (1, 2):
        assert quantity_of(fresh, 1, product_id) == expected_quantity(fresh, product_id)
    assert len(stored(fresh, StockReleased)) == 2 * statuses[CANCELLED]
    assert len(stored(fresh, ProductRevised)) == REVISIONS
    product = fresh.app.load(Product, product_aggregate_id(1))
    assert (product.title, product.price) == (f"Milk v{REVISIONS - 1}", Decimal("7.50"))
    live = live_tables_after(fresh, batch_size=5)
    assert_read_side_matches(fresh, product)
    source = EventSource(event_store_reader())
    for projector in select(None):
        assert rebuild(projector, source, 11, ignore_progress).position == head(fresh)
    assert snapshot_read_tables() == live


def expected_quantity(ctx, product_id: int) -> int:
    """Received + adjusted - reserved + released, from the events alone; never below zero."""

    def total(event_class, field: str) -> int:
        return sum(
            getattr(e, field) for e in stored(ctx, event_class) if e.product_id == product_id
        )

    moves = [
        *stored(ctx, StockItemReserved),
        *stored(ctx, StockReleased),
        *stored(ctx, StockAdjusted),
    ]
    assert min(e.quantity_after for e in moves if e.product_id == product_id) >= 0
    return (
        UNITS
        + total(StockAdjusted, "delta")
        - total(StockItemReserved, "quantity")
        + total(StockReleased, "quantity")
    )


def assert_read_side_matches(ctx, product: Product) -> None:
    for product_id in (1, 2):
        row = InventoryRow.objects.get(store_id=1, product_id=product_id)
        assert row.quantity == quantity_of(ctx, 1, product_id)
    row = ProductRow.objects.get(product_id=1)
    assert (row.title, row.price) == (product.title, product.price)
    inventory = InventoryRow.objects.get(store_id=1, product_id=1)
    assert (inventory.product_title, inventory.price) == (product.title, product.price)
