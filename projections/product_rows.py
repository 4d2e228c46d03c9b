"""Product rows of one catalog batch: registrations and revisions folded in event order, new
categories numbered as they first appear, and the inventory rows of revised products rewritten."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from events.catalog import ProductRegistered, ProductRevised
from query_side.models import CategoryRow, InventoryRow, ProductRow

REVISABLE = ("title", "description", "price", "category")
# One statement per revised product, over every store carrying it: revisions are rare.
INVENTORY_SQL = (
    f"UPDATE {InventoryRow._meta.db_table} "
    "SET product_title = %s, title_key = %s, category = %s, price = %s WHERE product_id = %s"
)


class ProductBatch:
    """The products a batch registers or revises, as rows to upsert."""

    def __init__(self, revised_ids: Iterable[int]) -> None:
        # Revisions of products registered in earlier batches start from their stored row.
        self.rows: dict[int, ProductRow] = ProductRow.objects.in_bulk(set(revised_ids))
        self.stored_titles = {product_id: row.title for product_id, row in self.rows.items()}
        self.revised: set[int] = set()
        self.categories: list[str] = []  # in event order: ids follow first appearance

    def register(self, event: ProductRegistered) -> None:
        self.rows[event.product_id] = product_row(event)
        self.categories.append(event.category)

    def revise(self, position: int, event: ProductRevised) -> None:
        row = self.rows[event.product_id]
        for name in REVISABLE:
            value = getattr(event, name)
            if value is not None:
                setattr(row, name, value)
        if event.category is not None:
            row.category_key = event.category.lower()
            self.categories.append(event.category)
        row.revised_position = position
        self.revised.add(event.product_id)

    def write(self) -> None:
        """Number new categories, then upsert the rows."""
        if not self.rows:
            return
        known = number_categories(self.categories)
        for row in self.rows.values():
            row.category_id = known[row.category_key]
        upsert(ProductRow, self.rows.values(), ["product_id"])

    def title_changes(self) -> tuple[set[str], set[str]]:
        """(titles the batch gives products, titles it takes from revised ones): what the
        suggestion table must add and may have to drop."""
        changed = [
            (self.stored_titles.get(product_id), row.title)
            for product_id, row in self.rows.items()
            if self.stored_titles.get(product_id) != row.title
        ]
        return {new for _, new in changed}, {old for old, _ in changed if old is not None}

    def rewrite_inventory(self) -> set[int]:
        """Copy revised products' details into every store's inventory rows; the stores."""
        if not self.revised:
            return set()
        with connection.cursor() as cursor:
            for product_id in sorted(self.revised):
                row = self.rows[product_id]
                params = (row.title, row.title.lower(), row.category, row.price, product_id)
                cursor.execute(INVENTORY_SQL, params)
        carrying = InventoryRow.objects.filter(product_id__in=self.revised)
        return set(carrying.values_list("store_id", flat=True).distinct())


def number_categories(names: list[str]) -> dict[str, int]:
    """Category ids by key, giving each new one the next id in the order of `names`."""
    known = dict(CategoryRow.objects.values_list("key", "category_id"))
    new_rows = []
    for name in names:
        key = name.lower()
        if key not in known:
            known[key] = len(known) + 1
            new_rows.append(CategoryRow(known[key], name, key))
    CategoryRow.objects.bulk_create(new_rows)
    return known


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
