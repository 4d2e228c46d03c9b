"""CatalogProjector: stores, products (the search table) and per-store inventory.

One projector folds all three because inventory rows denormalise product title, category and
price: following one stream position keeps them consistent without reading another projector.
"""

from __future__ import annotations

from collections.abc import Sequence

from events.catalog import ProductRegistered, StoreOpened
from events.stock import StockItemOpened, StockItemReserved, StockReceived, StockReleased
from query_side.models import CategoryRow, InventoryRow, ProductRow, StoreRow

from .base import PositionedEvent, Touched
from .rows import update_rows


class CatalogProjector:
    name = "catalog"
    topics = frozenset(
        e.TOPIC
        for e in (
            StoreOpened,
            ProductRegistered,
            StockItemOpened,
            StockReceived,
            StockItemReserved,
            StockReleased,
        )
    )
    tables = (StoreRow, CategoryRow, ProductRow, InventoryRow)

    def apply(self, events: Sequence[PositionedEvent]) -> Touched:
        stores: dict[int, StoreRow] = {}
        products: dict[int, ProductRow] = {}
        stock: dict[tuple[int, int], int] = {}
        opened: set[tuple[int, int]] = set()
        for _, event in events:
            match event:
                case StoreOpened():
                    stores[event.store_id] = store_row(event)
                case ProductRegistered():
                    products[event.product_id] = product_row(event)
                case StockItemOpened():
                    stock[(event.store_id, event.product_id)] = 0
                    opened.add((event.store_id, event.product_id))
                case StockReceived() | StockItemReserved() | StockReleased():
                    stock[(event.store_id, event.product_id)] = event.quantity_after
        upsert(StoreRow, stores.values(), ["store_id"])
        self._number_categories(products.values())
        upsert(ProductRow, products.values(), ["product_id"])
        self._insert_inventory({item: stock[item] for item in opened})
        update_rows(
            InventoryRow,
            ("quantity",),
            ("store_id", "product_id"),
            [(quantity, *item) for item, quantity in stock.items() if item not in opened],
        )
        touched = Touched()
        touched.add("inventory", {store_id for store_id, _ in stock})
        if products:
            touched.add("search", {0})
        if stock:
            touched.add("stock", {0})
        return touched

    def _number_categories(self, products) -> None:
        """Give each new category the next id, in event order, so rebuilds number them alike."""
        if not products:
            return
        known = dict(CategoryRow.objects.values_list("key", "category_id"))
        new_rows = []
        for product in products:
            if product.category_key not in known:
                known[product.category_key] = len(known) + 1
                new_rows.append(
                    CategoryRow(known[product.category_key], product.category, product.category_key)
                )
            product.category_id = known[product.category_key]
        CategoryRow.objects.bulk_create(new_rows)

    def _insert_inventory(self, stock: dict[tuple[int, int], int]) -> None:
        """Rows of items opened in this batch: the only ones that need the product's details
        (quantity changes of older items are plain updates)."""
        if not stock:
            return
        info = ProductRow.objects.in_bulk({product_id for _, product_id in stock})
        rows = [
            InventoryRow(
                store_id=store_id,
                product_id=product_id,
                product_title=info[product_id].title,
                title_key=info[product_id].title.lower(),
                category=info[product_id].category,
                price=info[product_id].price,
                quantity=quantity,
            )
            for (store_id, product_id), quantity in stock.items()
        ]
        InventoryRow.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["store_id", "product_id"],
            update_fields=["quantity"],
        )


def store_row(event: StoreOpened) -> StoreRow:
    return StoreRow(
        store_id=event.store_id,
        name=event.name,
        location=event.location,
        opened_at=event.timestamp,
    )


def product_row(event: ProductRegistered) -> ProductRow:
    return ProductRow(
        product_id=event.product_id,
        title=event.title,
        description=event.description,
        category=event.category,
        category_key=event.category.lower(),
        price=event.price,
        created_at=event.timestamp,
    )


def upsert(model, rows, key: list[str]) -> None:
    rows = list(rows)
    if rows:
        fields = [f.name for f in model._meta.concrete_fields if f.name not in key]
        model.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=key, update_fields=fields
        )
