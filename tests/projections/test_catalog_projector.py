"""CatalogProjector: given events, the store, product and inventory rows it writes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from command_side.ids import product_aggregate_id, stock_item_id, store_aggregate_id
from events.catalog import ProductRegistered, StoreOpened
from events.stock import StockItemOpened, StockItemReserved, StockReceived
from projections.catalog import CatalogProjector
from projections.rows import RowCountMismatch
from query_side.models import InventoryRow, ProductRow, StoreRow

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def store_opened(store_id: int) -> StoreOpened:
    return StoreOpened(
        originator_id=store_aggregate_id(store_id),
        originator_version=1,
        timestamp=T0,
        store_id=store_id,
        name=f"Store {store_id}",
        location="Lisbon",
    )


def product_registered(product_id: int, title: str, category: str, price: str):
    return ProductRegistered(
        originator_id=product_aggregate_id(product_id),
        originator_version=1,
        timestamp=T0,
        product_id=product_id,
        title=title,
        description=f"About {title}",
        category=category,
        price=Decimal(price),
    )


class StockHistory:
    """The events of one stock item, versioned and timed as the aggregate would record them."""

    def __init__(self, store_id: int, product_id: int) -> None:
        self.store_id, self.product_id = store_id, product_id
        self.id = stock_item_id(store_id, product_id)
        self.version, self.quantity = 0, 0

    def _next(self, cls, **fields):
        self.version += 1
        return cls(
            originator_id=self.id,
            originator_version=self.version,
            timestamp=T0 + timedelta(seconds=self.version),
            store_id=self.store_id,
            product_id=self.product_id,
            **fields,
        )

    def opened(self) -> StockItemOpened:
        return self._next(StockItemOpened)

    def received(self, quantity: int) -> StockReceived:
        self.quantity += quantity
        return self._next(StockReceived, quantity=quantity, quantity_after=self.quantity)

    def reserved(self, quantity: int, order_id: UUID | None = None) -> StockItemReserved:
        self.quantity -= quantity
        return self._next(
            StockItemReserved,
            order_id=order_id or uuid4(),
            quantity=quantity,
            quantity_after=self.quantity,
        )


def positioned(events, start: int = 1) -> list:
    return list(enumerate(events, start=start))


def inventory() -> dict[tuple[int, int], int]:
    return {(r.store_id, r.product_id): r.quantity for r in InventoryRow.objects.all()}


def test_store_opened_and_product_registered_become_one_row_each():
    CatalogProjector().apply(
        positioned([store_opened(1), product_registered(7, "Oat Milk", "Dairy", "1.99")])
    )
    store = StoreRow.objects.get()
    product = ProductRow.objects.get()
    assert (store.store_id, store.name, store.location, store.opened_at) == (
        1,
        "Store 1",
        "Lisbon",
        T0,
    )
    assert (product.product_id, product.title, product.description) == (
        7,
        "Oat Milk",
        "About Oat Milk",
    )
    assert (product.category, product.category_key, product.price, product.created_at) == (
        "Dairy",
        "dairy",
        Decimal("1.99"),
        T0,
    )


def test_inventory_row_carries_the_product_title_category_and_price():
    item = StockHistory(1, 7)
    CatalogProjector().apply(
        positioned(
            [
                store_opened(1),
                product_registered(7, "Oat Milk", "Dairy", "1.99"),
                item.opened(),
                item.received(12),
            ]
        )
    )
    row = InventoryRow.objects.get()
    assert (row.store_id, row.product_id, row.quantity) == (1, 7, 12)
    assert (row.product_title, row.title_key, row.category, row.price) == (
        "Oat Milk",
        "oat milk",
        "Dairy",
        Decimal("1.99"),
    )


def test_stock_item_opened_in_a_later_batch_than_its_product_still_gets_its_details():
    projector = CatalogProjector()
    projector.apply(
        positioned([store_opened(1), product_registered(7, "Rye Bread", "Bakery", "3.10")])
    )
    item = StockHistory(1, 7)
    projector.apply(positioned([item.opened(), item.received(4)], start=3))
    row = InventoryRow.objects.get()
    assert (row.product_title, row.category, row.price, row.quantity) == (
        "Rye Bread",
        "Bakery",
        Decimal("3.10"),
        4,
    )


def test_opened_stock_item_without_receipts_shows_zero():
    item = StockHistory(2, 7)
    CatalogProjector().apply(
        positioned([product_registered(7, "Oat Milk", "Dairy", "1.99"), item.opened()])
    )
    assert inventory() == {(2, 7): 0}


def test_reservations_in_one_batch_leave_the_quantity_after_the_last_one():
    item = StockHistory(1, 7)
    CatalogProjector().apply(
        positioned(
            [
                product_registered(7, "Oat Milk", "Dairy", "1.99"),
                item.opened(),
                item.received(10),
                item.reserved(3),
                item.reserved(5),
            ]
        )
    )
    assert inventory() == {(1, 7): 2}


def test_stock_received_after_orders_raises_what_the_orders_left():
    projector = CatalogProjector()
    item = StockHistory(1, 7)
    projector.apply(
        positioned(
            [
                product_registered(7, "Oat Milk", "Dairy", "1.99"),
                item.opened(),
                item.received(5),
                item.reserved(2),
                item.reserved(3),
            ]
        )
    )
    assert inventory() == {(1, 7): 0}
    projector.apply(positioned([item.received(8)], start=6))
    assert inventory() == {(1, 7): 8}
    row = InventoryRow.objects.get()
    assert (row.product_title, row.price) == ("Oat Milk", Decimal("1.99"))


def test_each_store_keeps_its_own_quantity_of_the_same_product():
    first, second = StockHistory(1, 7), StockHistory(2, 7)
    CatalogProjector().apply(
        positioned(
            [
                product_registered(7, "Oat Milk", "Dairy", "1.99"),
                first.opened(),
                second.opened(),
                first.received(3),
                second.received(9),
                second.reserved(4),
            ]
        )
    )
    assert inventory() == {(1, 7): 3, (2, 7): 5}


def test_apply_reports_the_stores_whose_inventory_changed():
    first, third = StockHistory(1, 7), StockHistory(3, 7)
    touched = CatalogProjector().apply(
        positioned(
            [
                store_opened(2),
                product_registered(7, "Oat Milk", "Dairy", "1.99"),
                first.opened(),
                third.opened(),
                third.received(1),
            ]
        )
    )
    assert touched.stores["inventory"] == {1, 3}


def test_a_batch_without_stock_events_touches_no_inventory():
    touched = CatalogProjector().apply(positioned([store_opened(1)]))
    assert "inventory" not in touched.stores
    assert not InventoryRow.objects.exists()


def test_a_quantity_change_for_an_inventory_row_that_is_missing_fails_the_batch():
    projector = CatalogProjector()
    item = StockHistory(1, 7)
    projector.apply(positioned([product_registered(7, "Oat Milk", "Dairy", "1.99"), item.opened()]))
    InventoryRow.objects.all().delete()  # a read model that lost a row must not carry on
    with pytest.raises(RowCountMismatch):
        projector.apply(positioned([item.received(4)], start=3))
