"""`audit_order` prints an order's timeline from the event store; `audit_stock` checks a stock
item's movements against the inventory read table and exits 1 (MISMATCH) when a broken
projection left the table wrong or behind."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import StringIO
from uuid import uuid4

import pytest
from django.core.management import CommandError, call_command

from api.management.commands import audit_stock
from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.ids import stock_item_id
from command_side.order import OrderLine
from command_side.place_order import OrderOutcome, PlaceOrder, place_order
from events.positions import positions_by_version
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(ctx: CommandContext) -> CommandContext:
    """Store 1 with 10 Milk (product 1) and 5 Bread (product 2)."""
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    register_product(ctx, "Bread", "", Decimal("1.50"), "Bakery", product_id=2)
    receive_stock(ctx, 1, 1, 10)
    receive_stock(ctx, 1, 2, 5)
    return ctx


def order(ctx: CommandContext, *lines: tuple[int, int]) -> OrderOutcome:
    return place_order(ctx, PlaceOrder(1, tuple(OrderLine(p, q) for p, q in lines)))


def audit(*args: object) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a management command."""
    out, err = StringIO(), StringIO()
    try:
        call_command(*map(str, args), stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_audit_order_prints_each_event_oldest_first_with_version_and_position(shop):
    placed = order(shop, (1, 3), (2, 1))
    code, out, _ = audit("audit_order", placed.order.id)
    assert code == 0
    lines = out.splitlines()
    positions = positions_by_version(shop.app, placed.order.id)
    assert len(lines) == 2
    for line, version, kind in zip(lines, (1, 2), ("OrderPlaced", "StockReserved"), strict=True):
        fields = line.split()
        assert fields[:3] == [f"v{version}", "position", str(positions[version])]
        assert fields[4] == kind
        assert datetime.fromisoformat(fields[3]).utcoffset() is not None
    assert '"product_title": "Milk"' in lines[0] and '"quantity_requested": 3' in lines[0]
    assert positions[2] == placed.position


def test_audit_order_of_a_rejected_order_ends_with_the_reasons(shop):
    placed = order(shop, (2, 6))
    _, out, _ = audit("audit_order", placed.order.id)
    assert "OrderRejected" in out.splitlines()[-1]
    assert '"available": 5' in out.splitlines()[-1]


@pytest.mark.parametrize("order_id", [str(uuid4()), "not-a-uuid", str(stock_item_id(1, 1))])
def test_audit_order_of_an_unknown_or_malformed_id_is_a_command_error(shop, order_id):
    with pytest.raises(CommandError):
        call_command("audit_order", order_id, stdout=StringIO())


def test_audit_stock_exits_0_and_says_ok_when_the_read_table_agrees(shop):
    first = order(shop, (1, 3))
    order(shop, (1, 50))  # rejected: no movement
    second = order(shop, (1, 4), (2, 1))
    catch_up(select(None))
    code, out, err = audit("audit_stock", 1, 1)
    assert (code, err) == (0, "")
    assert "OK: event store and inventory read table agree on 3" in out
    movements = out.splitlines()[:-1]
    assert [line.split()[3] for line in movements] == [
        "StockItemOpened",
        "StockReceived",
        "StockItemReserved",
        "StockItemReserved",
    ]
    assert str(first.order.id) in movements[2] and str(second.order.id) in movements[3]
    assert [line.split()[4:7] for line in movements][-2:] == [["-3", "=", "7"], ["-4", "=", "3"]]


def test_audit_stock_exits_1_and_says_mismatch_when_the_read_table_quantity_is_wrong(shop):
    order(shop, (1, 3))
    catch_up(select(None))
    # A broken projection, simulated: only the projector writes this table in the service.
    InventoryRow.objects.filter(store_id=1, product_id=1).update(quantity=999)
    code, _, err = audit("audit_stock", 1, 1)
    assert code == 1
    assert "MISMATCH" in err and "quantity 999" in err and "says 7" in err


def test_audit_stock_exits_1_when_the_read_table_lost_the_row(shop):
    catch_up(select(None))
    InventoryRow.objects.filter(store_id=1, product_id=2).delete()
    code, _, err = audit("audit_stock", 1, 2)
    assert code == 1
    assert "MISMATCH" in err and "no row" in err


def test_audit_stock_exits_1_when_the_projection_is_behind_the_item(shop):
    catch_up(select(None))
    order(shop, (1, 2))  # not projected yet
    code, _, err = audit("audit_stock", 1, 1)
    assert code == 1
    assert "MISMATCH" in err and "behind" in err


def test_audit_stock_of_an_item_never_stocked_is_a_command_error(shop):
    with pytest.raises(CommandError):
        call_command("audit_stock", 1, 404, stdout=StringIO())


def test_audit_stock_reads_in_batches_and_runs_the_quantity_across_their_boundaries(
    shop, monkeypatch
):
    for quantity in (1, 2, 3):
        order(shop, (1, quantity))
    catch_up(select(None))
    monkeypatch.setattr(audit_stock, "BATCH", 2)
    code, out, err = audit("audit_stock", 1, 1)
    assert (code, err) == (0, "")
    movements = out.splitlines()[:-1]
    assert [line.split()[0] for line in movements] == ["v1", "v2", "v3", "v4", "v5"]
    assert [line.split()[6] for line in movements] == ["0", "10", "9", "7", "4"]
    assert "agree on 4" in out
