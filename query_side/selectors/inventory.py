"""store_inventory: a store's stock, A→Z by title (case-insensitive), then product id."""

from __future__ import annotations

from query_side.errors import UnknownStore
from query_side.models import InventoryRow, StoreRow

from .paging import Page, PageRequest, money, page_of

FIELDS = ("product_id", "product_title", "category", "price", "quantity")


def require_store(store_id: int) -> None:
    if not StoreRow.objects.filter(store_id=store_id).exists():
        raise UnknownStore(store_id)


def store_inventory(store_id: int, request: PageRequest) -> Page:
    require_store(store_id)
    rows = InventoryRow.objects.filter(store_id=store_id).order_by("title_key", "product_id")
    page = page_of(rows, FIELDS, request)
    for row in page.results:
        row["price"] = money(row["price"])
    return page
