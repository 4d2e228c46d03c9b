"""A replay of a log with cancellations reproduces the live read side row for row."""

import random

import pytest

from command_side.cancel_order import CancelOrder, cancel_order
from command_side.order import CONFIRMED
from events.config import event_store_reader
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from query_side.models import OrderRow, OrderStatusCount

from .test_rebuild import ignore_progress, live_tables_after
from .workload import head, random_step, random_workload, snapshot_read_tables

pytestmark = pytest.mark.django_db


def test_rebuilding_after_cancellations_reproduces_the_live_tables(ctx):
    catalog = random_workload(ctx, seed=12, steps=120)
    confirmed = [o.order.id for o in catalog.outcomes if o.order.status == CONFIRMED]
    for order_id in confirmed[::3]:  # some cancelled, then more orders on the released stock
        cancel_order(ctx, CancelOrder(order_id, "replay me"))
    rng = random.Random(5)
    for _ in range(40):
        random_step(ctx, rng, catalog)
    live = live_tables_after(ctx, batch_size=7)
    assert OrderRow.objects.filter(status="CANCELLED").count() == len(confirmed[::3])
    assert OrderStatusCount.objects.get(status="CANCELLED").orders == len(confirmed[::3])
    source = EventSource(event_store_reader())
    for projector in select(None):
        assert rebuild(projector, source, 13, ignore_progress).position == head(ctx)
    assert snapshot_read_tables() == live
