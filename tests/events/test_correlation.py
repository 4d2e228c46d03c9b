"""The event store's mapper stamps each stored event with the bound correlation (and cause),
reads it back beside the event's fields, and leaves snapshots and old rows alone."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from aforro_backend import composition
from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.ids import stock_item_id
from command_side.stock import StockItem
from events import correlation
from events.correlation import METADATA_KEY, caused_by, correlated, event_id, metadata_of
from events.orders import OrderCancelled

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def cancelled(version: int = 3) -> OrderCancelled:
    return OrderCancelled(
        originator_id=uuid4(), originator_version=version, timestamp=NOW, store_id=1, reason=""
    )


def stored_state(ctx, event) -> dict:
    return json.loads(ctx.app.mapper.to_stored_event(event).state)


def test_a_stored_event_records_the_bound_correlation_and_reads_back_equal(ctx):
    event = cancelled()
    with correlated("req-1"):
        stored = ctx.app.mapper.to_stored_event(event)
    assert json.loads(stored.state)[METADATA_KEY] == {"correlation_id": "req-1"}
    decoded = ctx.app.mapper.to_domain_event(stored)
    assert decoded == event  # metadata is beside the fields, not one of them
    assert metadata_of(decoded) == {"correlation_id": "req-1", "causation_id": None}
    assert metadata_of(event) == {"correlation_id": None, "causation_id": None}


def test_every_event_under_a_cause_records_it_except_the_cause_itself(ctx):
    cause, other = cancelled(3), cancelled(1)
    with correlated("req-2"), caused_by(event_id(cause.originator_id, 3)):
        assert stored_state(ctx, cause)[METADATA_KEY] == {"correlation_id": "req-2"}
        assert stored_state(ctx, other)[METADATA_KEY] == {
            "correlation_id": "req-2",
            "causation_id": f"{cause.originator_id}:3",
        }
    assert correlation.current_id() is None  # unbound again after the block


def test_outside_any_request_one_run_id_is_recorded(ctx):
    first, second = stored_state(ctx, cancelled()), stored_state(ctx, cancelled())
    assert first[METADATA_KEY] == second[METADATA_KEY] == {"correlation_id": correlation.run_id()}
    assert correlation.run_id().startswith("run-")


def test_a_row_stored_without_metadata_reads_with_null_ids(ctx):
    stored = ctx.app.mapper.to_stored_event(cancelled())
    state = json.loads(stored.state)
    del state[METADATA_KEY]
    old = dataclasses.replace(stored, state=json.dumps(state).encode())
    assert metadata_of(ctx.app.mapper.to_domain_event(old)) == {
        "correlation_id": None,
        "causation_id": None,
    }


def test_snapshots_carry_no_metadata_and_still_load(ctx):
    with correlated("seed-1"):
        open_store(ctx, "Central", "Lisbon", store_id=1)
        register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
        receive_stock(ctx, 1, 1, 3)
        ctx.app.take_snapshot(stock_item_id(1, 1), projector_func=StockItem.project)
    [snapshot] = ctx.app.snapshots.get(stock_item_id(1, 1))
    assert METADATA_KEY not in vars(snapshot)
    composition.reset()  # a new application: an empty aggregate cache, so the snapshot is read
    fresh = composition.command_context().app
    assert fresh.load(StockItem, stock_item_id(1, 1)).quantity == 3
