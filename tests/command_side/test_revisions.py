"""Product revisions and stock adjustments on the command side: what the aggregates record, and
that an order captures the product as it is when placed, in whichever worker places it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from command_side.application import OrderingApplication
from command_side.catalog import Product
from command_side.catalog_commands import adjust_stock, revise_product
from command_side.context import CommandContext
from command_side.errors import InvalidQuantity, StockItemNotFound, StockWouldGoNegative
from command_side.place_order import place_order
from command_side.stock import StockItem
from events.catalog import ProductRevised
from events.config import event_store_config
from events.stock import StockAdjusted
from events.store import application_env
from tests.api.test_orders_api import head

from .test_place_order import order, quantity_of, stocked

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def milk() -> Product:
    product = Product.register(1, "Milk", "", Decimal("0.99"), "Dairy", NOW)
    product.collect_events()
    return product


def test_a_revision_records_only_the_fields_that_change():
    product = milk()
    assert product.revise({"title": "Milk", "price": Decimal("1.09")}, NOW)
    (event,) = product.collect_events()
    assert isinstance(event, ProductRevised)
    assert (event.title, event.price, event.description, event.category) == (
        None,
        Decimal("1.09"),
        None,
        None,
    )
    assert (product.title, product.price) == ("Milk", Decimal("1.09"))


def test_a_revision_that_changes_nothing_records_nothing():
    product = milk()
    assert not product.revise({"title": "Milk", "price": Decimal("0.99")}, NOW)
    assert not product.revise({}, NOW)
    assert product.collect_events() == []


def test_an_adjustment_records_the_signed_delta_its_reason_and_the_quantity_after():
    item = StockItem.open(1, 1, NOW)
    item.receive(5, NOW)
    item.adjust(-2, "broken", NOW)
    event = item.collect_events()[-1]
    assert isinstance(event, StockAdjusted)
    assert (event.delta, event.reason, event.quantity_after, item.quantity) == (-2, "broken", 3, 3)


def test_an_adjustment_below_zero_or_of_zero_is_refused_and_records_nothing():
    item = StockItem.open(1, 1, NOW)
    item.receive(5, NOW)
    item.collect_events()
    with pytest.raises(StockWouldGoNegative):
        item.adjust(-6, "lost", NOW)
    with pytest.raises(InvalidQuantity):
        item.adjust(0, "nothing", NOW)
    assert item.collect_events() == [] and item.quantity == 5


def test_adjusting_an_item_never_stocked_is_refused_and_writes_nothing(ctx):
    stocked(ctx, {1: 0})
    before = head(ctx)
    with pytest.raises(StockItemNotFound):
        adjust_stock(ctx, 1, 1, 3, "found")
    assert head(ctx) == before


def test_a_no_op_revision_writes_nothing_and_answers_the_products_last_position(ctx):
    stocked(ctx, {1: 0})
    before = head(ctx)
    saved = revise_product(ctx, 1, {"title": "Product 1"})
    assert head(ctx) == before and saved.position > 0


def test_an_order_after_a_revision_captures_the_new_title_and_price_and_older_ones_keep_theirs(
    ctx,
):
    stocked(ctx, {1: 10})
    before = place_order(ctx, order(1, (1, 1))).order
    revise_product(ctx, 1, {"title": "Milk 1L", "price": Decimal("2.00")})
    after = place_order(ctx, order(1, (1, 1))).order
    assert (before.lines[0]["product_title"], before.lines[0]["unit_price"]) == (
        "Product 1",
        Decimal("1.50"),
    )
    assert (after.lines[0]["product_title"], after.lines[0]["unit_price"]) == (
        "Milk 1L",
        Decimal("2.00"),
    )


def test_a_worker_that_already_placed_orders_sees_a_revision_made_by_another_worker(ctx):
    stocked(ctx, {1: 10})
    other_app = OrderingApplication(env=application_env(event_store_config()))
    other = CommandContext(other_app)
    try:
        place_order(other, order(1, (1, 1)))  # the other worker now holds product 1
        revise_product(ctx, 1, {"price": Decimal("3.30")})
        placed = place_order(other, order(1, (1, 1))).order
    finally:
        other_app.close()
    assert placed.lines[0]["unit_price"] == Decimal("3.30")
    assert quantity_of(ctx, 1, 1) == 8
