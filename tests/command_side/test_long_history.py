"""A stock item with thousands of events still loads from a cold start through its snapshots,
and loads to the right quantity."""

import pytest

from aforro_backend import composition
from command_side.application import STOCK_SNAPSHOT_INTERVAL
from command_side.ids import stock_item_id
from command_side.order import CONFIRMED
from command_side.place_order import place_order
from command_side.stock import StockItem
from events.base import Snapshot
from tests.command_side.test_place_order import order, stocked

pytestmark = pytest.mark.django_db

ORDERS = 3_000


def test_a_stock_item_with_thousands_of_reservations_loads_cold_from_its_latest_snapshot(ctx):
    stocked(ctx, {1: ORDERS})
    for _ in range(ORDERS):
        assert place_order(ctx, order(1, (1, 1))).order.status == CONFIRMED
    item_id = stock_item_id(1, 1)

    composition.reset()
    fresh = composition.command_context()
    snapshots = list(fresh.app.snapshots.get(item_id, desc=True, limit=1))
    assert snapshots and snapshots[0].originator_version >= ORDERS - STOCK_SNAPSHOT_INTERVAL

    replayed = []

    def counting_project(aggregate, events):
        def counted():
            for event in events:
                replayed.append(event)
                yield event

        return StockItem.project(aggregate, counted())

    item = fresh.app.repository.get(item_id, projector_func=counting_project)
    assert isinstance(replayed[0], Snapshot)
    assert len(replayed) <= STOCK_SNAPSHOT_INTERVAL
    assert item.version == ORDERS + 2  # opened, received, then one reservation per order
    assert item.version - snapshots[0].originator_version < STOCK_SNAPSHOT_INTERVAL
    assert (item.store_id, item.product_id, item.quantity) == (1, 1, 0)
    assert fresh.app.load(StockItem, item_id).quantity == 0
