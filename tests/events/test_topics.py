"""Stored events and snapshots name their classes by explicit "aforro." topics, so moving or
renaming a module never orphans history; and stored values come back with their types."""

import importlib
import inspect
import pkgutil
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic, resolve_topic

import events
from aforro_backend import composition
from command_side.cancel_order import CancelOrder, cancel_order
from command_side.catalog import Product, Store
from command_side.catalog_commands import (
    adjust_stock,
    receive_stock,
    register_product,
    revise_product,
)
from command_side.ids import product_aggregate_id, stock_item_id
from command_side.order import Order
from command_side.place_order import place_order
from command_side.sequence import IdSequence
from command_side.stock import StockItem
from events.base import Event
from events.stock import StockItemReserved
from tests.command_side.test_place_order import order, stocked

pytestmark = pytest.mark.django_db

# Stored history depends on these exact strings: changing one is a data migration.
EVENT_TOPICS = {
    "aforro.Snapshot",
    "aforro.StoreOpened",
    "aforro.ProductRegistered",
    "aforro.IdsAllocated",
    "aforro.ProductRevised",
    "aforro.OrderPlaced",
    "aforro.StockReserved",
    "aforro.OrderRejected",
    "aforro.StockItemOpened",
    "aforro.StockReceived",
    "aforro.StockItemReserved",
    "aforro.OrderCancelled",
    "aforro.StockReleased",
    "aforro.StockAdjusted",
}
AGGREGATES = {
    "aforro.Store": Store,
    "aforro.Product": Product,
    "aforro.StockItem": StockItem,
    "aforro.Order": Order,
    "aforro.IdSequence": IdSequence,
}


def event_classes() -> list[type]:
    """Every stored event class defined anywhere in the `events` package."""
    found = []
    for info in pkgutil.iter_modules(events.__path__):
        module = importlib.import_module(f"events.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DomainEvent) and cls.__module__ == module.__name__:
                found.append(cls)
    return [cls for cls in found if cls is not Event]


def test_the_events_package_defines_exactly_the_known_stored_event_classes():
    assert {cls.TOPIC for cls in event_classes()} == EVENT_TOPICS


@pytest.mark.parametrize("cls", event_classes(), ids=lambda cls: cls.__name__)
def test_every_event_class_declares_its_own_stable_topic_that_resolves_back_to_it(cls):
    assert "TOPIC" in vars(cls), "a subclass must not inherit its parent's topic"
    assert f"aforro.{cls.__name__}" == cls.TOPIC
    assert get_topic(cls) == cls.TOPIC
    assert resolve_topic(cls.TOPIC) is cls


@pytest.mark.parametrize("topic", sorted(AGGREGATES))
def test_every_aggregate_class_has_a_stable_topic_for_its_snapshots(topic):
    cls = AGGREGATES[topic]
    assert topic == cls.TOPIC
    assert get_topic(cls) == topic
    assert resolve_topic(topic) is cls


def test_the_event_store_holds_only_the_explicit_topics_after_orders(ctx):
    stocked(ctx, {1: 1})
    confirmed = place_order(ctx, order(1, (1, 1))).order
    place_order(ctx, order(1, (1, 1)))  # rejected: the stock is gone
    cancel_order(ctx, CancelOrder(confirmed.id))
    revise_product(ctx, 1, {"price": Decimal("2.00")})
    adjust_stock(ctx, 1, 1, 4, "found in the back")
    notifications = ctx.app.recorder.select_notifications(start=1, limit=1000)
    assert {n.topic for n in notifications} == EVENT_TOPICS - {"aforro.Snapshot"}


def test_a_stored_snapshot_names_its_aggregate_class_by_the_stable_topic(ctx):
    stocked(ctx, {1: 5})
    item_id = stock_item_id(1, 1)
    ctx.app.take_snapshot(item_id, projector_func=StockItem.project)
    [stored] = ctx.app.snapshots.recorder.select_events(item_id)
    assert stored.topic == "aforro.Snapshot"
    assert ctx.app.snapshots.mapper.to_domain_event(stored).topic == "aforro.StockItem"


def test_decimals_uuids_and_datetimes_come_back_from_the_store_with_their_types(ctx):
    stocked(ctx, {})
    register_product(ctx, "Cheese", "", Decimal("12.50"), "Dairy", product_id=1)
    receive_stock(ctx, 1, 1, 3)
    placed = place_order(ctx, order(1, (1, 2))).order

    composition.reset()
    fresh = composition.command_context()
    product = fresh.app.load(Product, product_aggregate_id(1))
    assert isinstance(product.price, Decimal) and str(product.price) == "12.50"
    reloaded = fresh.app.load(Order, placed.id)
    assert reloaded.lines[0]["unit_price"] == Decimal("12.50")
    assert isinstance(reloaded.lines[0]["unit_price"], Decimal)
    assert reloaded.created_at == placed.created_at
    assert reloaded.created_at.utcoffset() == timedelta(0)
    [reserved] = [
        event
        for event in fresh.app.events.get(stock_item_id(1, 1))
        if isinstance(event, StockItemReserved)
    ]
    assert isinstance(reserved.order_id, UUID) and reserved.order_id == placed.id
