"""CatalogProjector: stores, products (the search and suggestion tables) and per-store inventory.

One projector folds all three because inventory rows denormalise product title, category and
price: following one stream position keeps them consistent without reading another projector.
"""

from __future__ import annotations

from collections.abc import Sequence

from events.catalog import ProductRegistered, ProductRevised, StoreOpened
from events.stock import (
    StockAdjusted,
    StockItemOpened,
    StockItemReserved,
    StockReceived,
    StockReleased,
)
from query_side.models import CategoryRow, InventoryRow, ProductRow, StoreRow, SuggestionRow
from query_side.projection_names import CATALOG

from .base import PositionedEvent, Touched
from .product_rows import ProductBatch, upsert
from .rows import update_rows
from .search_postings import POSTING_TABLES, replace_postings
from .suggestion_rows import update_suggestions

QUANTITY_EVENTS = (StockReceived, StockItemReserved, StockReleased, StockAdjusted)


class CatalogProjector:
    name = CATALOG
    topics = frozenset(
        e.TOPIC
        for e in (StoreOpened, ProductRegistered, ProductRevised, StockItemOpened, *QUANTITY_EVENTS)
    )
    tables = (StoreRow, CategoryRow, ProductRow, InventoryRow, SuggestionRow, *POSTING_TABLES)
    # Behind (a large seed or import), batches grow to this many events (catch_up.next_size):
    # a batch's titles share most of their suggestion keys and lexemes, so each product costs
    # less in a larger one (docs/decisions/020). Bounded to keep a batch's transaction a few
    # seconds long, well inside the worker's heartbeat age.
    max_batch_size = 8000

    def apply(self, events: Sequence[PositionedEvent]) -> Touched:
        stores: dict[int, StoreRow] = {}
        products = ProductBatch(e.product_id for _, e in events if isinstance(e, ProductRevised))
        stock: dict[tuple[int, int], int] = {}
        opened: set[tuple[int, int]] = set()
        for position, event in events:
            match event:
                case StoreOpened():
                    stores[event.store_id] = store_row(event)
                case ProductRegistered():
                    products.register(event)
                case ProductRevised():
                    products.revise(position, event)
                case StockItemOpened():
                    stock[(event.store_id, event.product_id)] = 0
                    opened.add((event.store_id, event.product_id))
                case StockReceived() | StockItemReserved() | StockReleased() | StockAdjusted():
                    stock[(event.store_id, event.product_id)] = event.quantity_after
        upsert(StoreRow, stores.values(), ["store_id"])
        products.write()
        update_suggestions(*products.title_changes())
        replace_postings(products.rows.keys(), products.stored_titles.keys())
        self._insert_inventory({item: stock[item] for item in opened})
        update_rows(
            InventoryRow,
            ("quantity",),
            ("store_id", "product_id"),
            [(quantity, *item) for item, quantity in stock.items() if item not in opened],
        )
        touched = Touched()
        touched.add("inventory", {store_id for store_id, _ in stock})
        touched.add("inventory", products.rewrite_inventory())
        if products.rows:
            touched.add("search", {0})
        if stock:
            touched.add("stock", {0})
        return touched

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
