"""Adjustments and revisions racing orders on PostgreSQL: stock never goes below zero, every
order captures one product version whole, and the read model equals the event store."""

from collections import Counter
from decimal import Decimal

import pytest

from command_side.catalog_commands import adjust_stock, revise_product
from command_side.errors import StockWouldGoNegative
from command_side.ids import stock_item_id
from command_side.place_order import place_order
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow, ProductRow
from tests.command_side.test_concurrency import (
    CLIENTS,
    fresh_context,
    process_contexts,
    run_clients,
)
from tests.command_side.test_place_order import order, quantity_of, stocked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
__all__ = ["process_contexts"]  # the fixture, shared with the no-oversell tests

UNITS = 40
VERSIONS = 12


def place_one(context) -> str:
    return place_order(context, order(1, (1, 1))).order.status


def adjust(delta: int):
    def job(context) -> str:
        try:
            adjust_stock(context, 1, 1, delta, "recount")
            return "ADJUSTED"
        except StockWouldGoNegative:
            return "REFUSED"

    return job


def stock_movements(ctx) -> list:
    return list(ctx.app.events.get(stock_item_id(1, 1)))


def test_adjustments_racing_orders_never_take_the_quantity_below_zero(ctx, process_contexts):
    stocked(ctx, {1: UNITS})
    jobs = [
        [place_one, adjust(-3), place_one] if i % 2 else [adjust(2), place_one, adjust(-5)]
        for i in range(CLIENTS)
    ]
    clients = [process_contexts[i % len(process_contexts)] for i in range(CLIENTS)]
    outcomes = Counter(run_clients(clients, jobs))
    fresh = fresh_context()
    running = 0
    for event in stock_movements(fresh)[1:]:
        change = getattr(event, "delta", None) or getattr(event, "quantity", 0)
        running += -change if type(event).__name__ == "StockItemReserved" else change
        assert event.quantity_after == running >= 0
    assert outcomes["ADJUSTED"] > 0 and outcomes["CONFIRMED"] > 0
    catch_up(select(None))
    row = InventoryRow.objects.get(store_id=1, product_id=1)
    assert row.quantity == quantity_of(fresh, 1, 1) == running


def revise_to(version: int):
    def job(context) -> str:
        price = Decimal(100 + version) / 100
        revise_product(context, 1, {"title": f"Milk v{version}", "price": price})
        return "REVISED"

    return job


def test_revisions_racing_orders_lose_nothing_and_each_order_captures_one_version(
    ctx, process_contexts
):
    stocked(ctx, {1: 1000})
    versions = {("Product 1", Decimal("1.50"))}
    versions |= {(f"Milk v{v}", Decimal(100 + v) / 100) for v in range(1, VERSIONS + 1)}
    jobs = [[place_one] * 4 for _ in range(CLIENTS - 1)]
    jobs.append([revise_to(v) for v in range(1, VERSIONS + 1)])
    clients = [process_contexts[i % len(process_contexts)] for i in range(CLIENTS)]
    run_clients(clients, jobs)
    fresh = fresh_context()
    placed = [e for e in fresh.app.recorder.select_notifications(start=1, limit=10**6)]
    orders = [
        fresh.app.mapper.to_domain_event(n) for n in placed if n.topic.endswith("OrderPlaced")
    ]
    assert len(orders) == 4 * (CLIENTS - 1)
    for event in orders:
        line = event.lines[0]
        assert (line["product_title"], line["unit_price"]) in versions
    revised = [n for n in placed if n.topic.endswith("ProductRevised")]
    assert len(revised) == VERSIONS
    catch_up(select(None))
    row = ProductRow.objects.get(product_id=1)
    assert (row.title, row.price, row.revised_position) == (
        f"Milk v{VERSIONS}",
        Decimal(100 + VERSIONS) / 100,
        revised[-1].id,
    )
    assert InventoryRow.objects.get(store_id=1, product_id=1).product_title == f"Milk v{VERSIONS}"
