"""place_order against the real event store (PostgreSQL or SQLite, whichever the run uses)."""

from decimal import Decimal

import pytest

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.errors import IdempotencyKeyReused, StoreNotFound, UnknownProducts
from command_side.ids import stock_item_id
from command_side.order import CONFIRMED, REJECTED, OrderLine
from command_side.place_order import PlaceOrder, place_order
from command_side.stock import StockItem

pytestmark = pytest.mark.django_db


def stocked(ctx, quantities: dict[int, int], store_id: int = 1) -> None:
    open_store(ctx, "Central", "Lisbon", store_id=store_id)
    for product_id, quantity in quantities.items():
        register_product(
            ctx, f"Product {product_id}", "", Decimal("1.50"), "Dairy", product_id=product_id
        )
        if quantity:
            receive_stock(ctx, store_id, product_id, quantity)


def quantity_of(ctx, store_id: int, product_id: int) -> int | None:
    item = ctx.app.load(StockItem, stock_item_id(store_id, product_id))
    return None if item is None else item.quantity


def order(store_id: int, *lines: tuple[int, int], key: str | None = None) -> PlaceOrder:
    return PlaceOrder(store_id, tuple(OrderLine(p, q) for p, q in lines), key)


def test_confirmed_order_deducts_stock_of_every_line(ctx):
    stocked(ctx, {1: 10, 2: 5})
    outcome = place_order(ctx, order(1, (1, 3), (2, 5)))
    assert outcome.order.status == CONFIRMED
    assert (quantity_of(ctx, 1, 1), quantity_of(ctx, 1, 2)) == (7, 0)


def test_mixed_order_with_one_short_line_rejects_all_lines_and_changes_no_stock(ctx):
    stocked(ctx, {1: 10, 2: 1})
    outcome = place_order(ctx, order(1, (1, 3), (2, 2)))
    assert outcome.order.status == REJECTED
    assert outcome.order.rejection_reasons == [
        {"product_id": 2, "requested": 2, "available": 1, "code": "INSUFFICIENT_STOCK"}
    ]
    assert (quantity_of(ctx, 1, 1), quantity_of(ctx, 1, 2)) == (10, 1)


def test_product_not_stocked_in_the_store_is_rejected_as_not_stocked_with_zero_available(ctx):
    stocked(ctx, {1: 0})
    outcome = place_order(ctx, order(1, (1, 1)))
    assert outcome.order.status == REJECTED
    assert outcome.order.rejection_reasons == [
        {"product_id": 1, "requested": 1, "available": 0, "code": "NOT_STOCKED"}
    ]


def test_product_sold_out_is_rejected_as_insufficient_stock_not_as_not_stocked(ctx):
    stocked(ctx, {1: 1})
    place_order(ctx, order(1, (1, 1)))
    outcome = place_order(ctx, order(1, (1, 1)))
    assert outcome.order.rejection_reasons == [
        {"product_id": 1, "requested": 1, "available": 0, "code": "INSUFFICIENT_STOCK"}
    ]


def test_rejected_order_is_recorded_in_the_event_store(ctx):
    stocked(ctx, {1: 0})
    outcome = place_order(ctx, order(1, (1, 1)))
    from command_side.order import Order

    assert ctx.app.load(Order, outcome.order.id).status == REJECTED


def test_unknown_store_and_unknown_product_are_refused_before_anything_is_written(ctx):
    stocked(ctx, {1: 5})
    head = ctx.app.recorder.max_notification_id()
    with pytest.raises(StoreNotFound):
        place_order(ctx, order(99, (1, 1)))
    with pytest.raises(UnknownProducts) as err:
        place_order(ctx, order(1, (1, 1), (404, 1)))
    assert err.value.product_ids == [404]
    assert ctx.app.recorder.max_notification_id() == head


def test_same_idempotency_key_returns_the_same_order_and_position(ctx):
    stocked(ctx, {1: 5})
    first = place_order(ctx, order(1, (1, 2), key="abc"))
    again = place_order(ctx, order(1, (1, 2), key="abc"))
    assert again.replayed and again.order.id == first.order.id
    assert again.position == first.position
    assert quantity_of(ctx, 1, 1) == 3


def test_same_idempotency_key_with_another_body_is_refused(ctx):
    stocked(ctx, {1: 5})
    place_order(ctx, order(1, (1, 2), key="abc"))
    with pytest.raises(IdempotencyKeyReused):
        place_order(ctx, order(1, (1, 3), key="abc"))


def test_position_is_the_newest_event_in_the_store_after_the_append(ctx):
    stocked(ctx, {1: 5})
    outcome = place_order(ctx, order(1, (1, 1)))
    assert outcome.position == ctx.app.recorder.max_notification_id()
