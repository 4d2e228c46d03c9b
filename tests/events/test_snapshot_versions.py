"""A snapshot is trusted only if it stores the aggregate's current STATE_VERSION; otherwise the
aggregate is folded from its events. The snapshot row here is marked by an impossible quantity,
so the loaded quantity says which path was taken."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.ids import stock_item_id
from command_side.stock import StockItem

from .stored_rows import fixture_rows, insert_rows

pytestmark = pytest.mark.django_db

MILK = stock_item_id(1, 1)


@pytest.fixture
def marked_snapshot(ctx):
    """The v1 history up to Milk's snapshot (quantity 9 at version 5), the snapshot saying 999
    instead and recording state version 1 (as v1 snapshots do: they record none)."""
    rows = fixture_rows("stored_events_v1.json")
    [snapshot] = rows["snapshots"]
    state = json.loads(snapshot["state"])
    state["state"]["quantity"] = 999
    # Without the receipt after the snapshot: its absolute quantity_after would hide the mark.
    after = (MILK.hex, snapshot["originator_version"] + 1)
    events = [r for r in rows["events"] if (r["originator_id"], r["originator_version"]) != after]
    insert_rows(ctx, events)
    insert_rows(ctx, [{**snapshot, "state": json.dumps(state)}], snapshots=True)
    return ctx


def test_a_snapshot_of_the_current_state_version_is_used(marked_snapshot):
    assert marked_snapshot.app.load(StockItem, MILK).quantity == 999


def test_a_snapshot_of_an_older_state_version_is_ignored_and_the_events_are_folded(
    marked_snapshot, monkeypatch
):
    monkeypatch.setattr(StockItem, "STATE_VERSION", 2)
    milk = marked_snapshot.app.load(StockItem, MILK)
    assert (milk.version, milk.quantity) == (5, 9)


def test_a_new_snapshot_records_the_state_version_and_loads_without_it_in_the_state(ctx):
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    receive_stock(ctx, 1, 1, 3)
    ctx.app.take_snapshot(MILK, projector_func=StockItem.project)
    [snapshot] = ctx.app.snapshots.get(MILK)
    assert snapshot.state["state_version"] == StockItem.STATE_VERSION
    loaded = snapshot.mutate(None)
    assert "state_version" not in vars(loaded) and loaded.quantity == 3
