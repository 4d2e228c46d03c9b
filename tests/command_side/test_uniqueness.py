"""Uniqueness of stores, products and stock items, enforced by the event store itself
(deterministic aggregate ids: a second creation is a version conflict, never a second row)."""

from decimal import Decimal

import pytest
from eventsourcing.persistence import IntegrityError

from command_side.bulk_commands import StoreSpec, open_stores
from command_side.catalog import Product, Store
from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.errors import AlreadyExists
from command_side.ids import product_aggregate_id, stock_item_id, store_aggregate_id
from command_side.stock import StockItem
from tests.command_side.test_place_order import quantity_of, stocked

pytestmark = pytest.mark.django_db


def test_second_store_with_the_same_id_is_refused_and_the_first_is_kept(ctx):
    open_store(ctx, "Central", "Lisbon", store_id=7)
    head = ctx.app.recorder.max_notification_id()
    with pytest.raises(AlreadyExists):
        open_store(ctx, "Impostor", "Porto", store_id=7)
    assert ctx.app.recorder.max_notification_id() == head
    assert ctx.app.load(Store, store_aggregate_id(7)).name == "Central"


def test_second_product_with_the_same_id_is_refused_and_the_first_is_kept(ctx):
    register_product(ctx, "Milk 1L", "", Decimal("0.99"), "Dairy", product_id=3)
    head = ctx.app.recorder.max_notification_id()
    with pytest.raises(AlreadyExists):
        register_product(ctx, "Other", "", Decimal("5.00"), "Dairy", product_id=3)
    assert ctx.app.recorder.max_notification_id() == head
    assert ctx.app.load(Product, product_aggregate_id(3)).title == "Milk 1L"


def test_the_event_store_refuses_a_second_stock_item_for_the_same_store_and_product(ctx):
    first = StockItem.open(1, 2, ctx.clock())
    first.receive(5, ctx.clock())
    ctx.app.save(first)
    head = ctx.app.recorder.max_notification_id()
    second = StockItem.open(1, 2, ctx.clock())
    second.receive(9, ctx.clock())
    with pytest.raises(IntegrityError):
        ctx.app.save(second)
    assert ctx.app.recorder.max_notification_id() == head
    assert ctx.app.load(StockItem, stock_item_id(1, 2)).quantity == 5


def test_receiving_stock_for_an_existing_item_adds_to_its_quantity(ctx):
    stocked(ctx, {1: 10})
    saved = receive_stock(ctx, 1, 1, 5)
    assert saved.aggregate.quantity == 15
    assert quantity_of(ctx, 1, 1) == 15


def test_ids_from_the_sequence_never_collide_with_explicit_ids(ctx):
    open_stores(ctx, [StoreSpec(i, f"Seeded {i}", "Lisbon") for i in (1, 2, 5)])
    assert open_store(ctx, "Next", "Porto").aggregate.store_id == 6
    open_store(ctx, "Explicit", "Faro", store_id=9)
    open_store(ctx, "Below the sequence", "Braga", store_id=3)
    assert open_store(ctx, "After", "Evora").aggregate.store_id == 10


def test_ids_from_the_sequence_are_never_handed_out_twice(ctx):
    register_product(ctx, "Seeded", "", Decimal("1.00"), "Dairy", product_id=4)
    ids = [register_product(ctx, f"P{i}", "", Decimal("1.00"), "Dairy") for i in range(5)]
    assert [saved.aggregate.product_id for saved in ids] == [5, 6, 7, 8, 9]
    with pytest.raises(AlreadyExists):
        register_product(ctx, "Taken", "", Decimal("1.00"), "Dairy", product_id=6)
