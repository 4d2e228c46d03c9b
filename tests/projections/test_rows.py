"""projections.rows: tuples written with plain SQL read back exactly as the ORM wrote them."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from projections import rows
from projections.rows import RowCountMismatch, insert_rows, update_rows
from query_side.models import OrderLineRow, OrderRow, OrderStatusCount

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 1, 12, 30, tzinfo=UTC)
FIELDS = ("order_id", "store_id", "status", "created_at", "total_items", "total_quantity",
          "rejection_reasons", "position")  # fmt: skip


def order(position: int, reasons=()) -> tuple:
    return (uuid4(), 1, "REJECTED", T0, 2, 5, list(reasons), position)


def test_inserted_rows_read_back_through_the_orm_with_every_type_intact():
    written = order(1, [{"product_id": 7, "reason": "short", "available": 0}])
    insert_rows(OrderRow, FIELDS, [written])
    insert_rows(
        OrderLineRow,
        ("order", "line_no", "product_id", "product_title", "quantity_requested"),
        [(written[0], 1, 7, "Oat Milk", 5)],
    )
    row = OrderRow.objects.get()
    assert tuple(getattr(row, f) for f in FIELDS) == written
    line = OrderLineRow.objects.get()
    assert (line.order_id, line.line_no, line.product_title) == (written[0], 1, "Oat Milk")


def test_more_rows_than_one_statement_takes_are_split_and_all_written(monkeypatch):
    monkeypatch.setattr(rows, "MAX_PARAMETERS", 3 * len(FIELDS))  # three rows per statement
    written = [order(n) for n in range(1, 11)]
    insert_rows(OrderRow, FIELDS, written)
    assert sorted(OrderRow.objects.values_list("position", flat=True)) == list(range(1, 11))


def test_upsert_updates_only_the_named_fields_of_an_existing_row():
    first = order(1)
    insert_rows(OrderRow, FIELDS, [first])
    again = (first[0], 2, "CONFIRMED", T0, 9, 9, [], 5)
    insert_rows(OrderRow, FIELDS, [again], conflict=("order_id",), update=("status", "position"))
    row = OrderRow.objects.get()
    assert (row.store_id, row.status, row.total_items, row.position) == (1, "CONFIRMED", 2, 5)


def test_upsert_adds_to_the_stored_value_of_add_fields():
    counts = ("status", "orders")
    insert_rows(OrderStatusCount, counts, [("PENDING", 3)], conflict=["status"], add=["orders"])
    changes = [("PENDING", -1), ("CONFIRMED", 1)]
    insert_rows(OrderStatusCount, counts, changes, conflict=["status"], add=["orders"])
    stored = dict(OrderStatusCount.objects.values_list(*counts))
    assert stored == {"PENDING": 2, "CONFIRMED": 1}


def test_update_rows_changes_each_named_row():
    a, b = order(1), order(2)
    insert_rows(OrderRow, FIELDS, [a, b])
    update_rows(OrderRow, ("status", "position"), ("order_id",), [("CONFIRMED", 7, b[0])])
    assert dict(OrderRow.objects.values_list("order_id", "status")) == {
        a[0]: "REJECTED",
        b[0]: "CONFIRMED",
    }


def test_update_rows_naming_a_missing_row_raises_instead_of_silently_skipping_it():
    present = order(1)
    insert_rows(OrderRow, FIELDS, [present])
    with pytest.raises(RowCountMismatch):
        update_rows(
            OrderRow,
            ("status",),
            ("order_id",),
            [("CONFIRMED", present[0]), ("CONFIRMED", uuid4())],
        )
