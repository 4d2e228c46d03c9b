"""StoreOrdersProjector: given order events, the order rows, order line rows and counts per
status it writes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from django.db.models import Count

from events.orders import OrderPlaced, OrderRejected, StockReserved
from projections.store_orders import StoreOrdersProjector
from query_side.models import OrderLineRow, OrderRow, OrderStatusCount

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 1, tzinfo=UTC)


class OrderHistory:
    """The events of one order, versioned and timed as the aggregate would record them."""

    def __init__(self, store_id: int, *lines: tuple[int, int]) -> None:
        self.id, self.store_id, self.version = uuid4(), store_id, 0
        self.lines = [
            {
                "product_id": product_id,
                "product_title": f"Product {product_id}",
                "unit_price": Decimal("2.50"),
                "quantity_requested": quantity,
            }
            for product_id, quantity in lines
        ]

    def _next(self, cls, **fields):
        self.version += 1
        return cls(
            originator_id=self.id,
            originator_version=self.version,
            timestamp=T0 + timedelta(minutes=self.version),
            store_id=self.store_id,
            **fields,
        )

    def placed(self) -> OrderPlaced:
        return self._next(OrderPlaced, lines=self.lines, request_fingerprint="f")

    def reserved(self) -> StockReserved:
        reserved = [
            {"product_id": line["product_id"], "quantity": line["quantity_requested"]}
            for line in self.lines
        ]
        return self._next(StockReserved, lines=reserved)

    def rejected(self, reasons: list[dict]) -> OrderRejected:
        return self._next(OrderRejected, reasons=reasons)


def row(order_id: UUID) -> OrderRow:
    return OrderRow.objects.get(order_id=order_id)


def lines_of(order_id: UUID) -> list[tuple]:
    return list(
        OrderLineRow.objects.filter(order_id=order_id)
        .order_by("line_no")
        .values_list("line_no", "product_id", "product_title", "quantity_requested")
    )


def test_confirmed_order_has_a_row_with_its_totals_and_one_line_row_per_line():
    order = OrderHistory(1, (7, 2), (9, 3))
    StoreOrdersProjector().apply([(10, order.placed()), (11, order.reserved())])
    confirmed = row(order.id)
    assert (confirmed.store_id, confirmed.status, confirmed.position) == (1, "CONFIRMED", 11)
    assert (confirmed.total_items, confirmed.total_quantity) == (2, 5)
    assert (confirmed.created_at, confirmed.rejection_reasons) == (T0 + timedelta(minutes=1), [])
    assert lines_of(order.id) == [(1, 7, "Product 7", 2), (2, 9, "Product 9", 3)]


def test_rejected_order_row_carries_the_reason_of_every_short_line():
    order = OrderHistory(2, (7, 5), (9, 1))
    reasons = [{"product_id": 7, "requested": 5, "available": 4}]
    StoreOrdersProjector().apply([(3, order.placed()), (4, order.rejected(reasons))])
    rejected = row(order.id)
    assert (rejected.status, rejected.rejection_reasons, rejected.position) == (
        "REJECTED",
        reasons,
        4,
    )
    assert (rejected.total_items, rejected.total_quantity) == (2, 6)
    assert [line[1] for line in lines_of(order.id)] == [7, 9]


def test_order_whose_outcome_has_not_arrived_yet_is_pending():
    order = OrderHistory(1, (7, 1))
    StoreOrdersProjector().apply([(5, order.placed())])
    assert (row(order.id).status, row(order.id).position) == ("PENDING", 5)


def test_order_placed_in_one_batch_and_confirmed_in_the_next_ends_confirmed():
    projector = StoreOrdersProjector()
    order = OrderHistory(1, (7, 2))
    projector.apply([(5, order.placed())])
    projector.apply([(6, order.reserved())])
    confirmed = row(order.id)
    assert (confirmed.status, confirmed.position, confirmed.total_quantity) == ("CONFIRMED", 6, 2)
    assert lines_of(order.id) == [(1, 7, "Product 7", 2)]


def test_order_placed_in_one_batch_and_rejected_in_the_next_ends_rejected_with_reasons():
    projector = StoreOrdersProjector()
    order = OrderHistory(3, (7, 2))
    reasons = [{"product_id": 7, "requested": 2, "available": 0}]
    projector.apply([(8, order.placed())])
    projector.apply([(9, order.rejected(reasons))])
    rejected = row(order.id)
    assert (rejected.status, rejected.rejection_reasons, rejected.position) == (
        "REJECTED",
        reasons,
        9,
    )
    assert OrderLineRow.objects.filter(order_id=order.id).count() == 1


def test_a_batch_mixing_new_orders_and_outcomes_of_earlier_ones_updates_each_order():
    projector = StoreOrdersProjector()
    earlier, later, pending = (
        OrderHistory(1, (7, 1)),
        OrderHistory(2, (8, 4)),
        OrderHistory(1, (9, 1)),
    )
    projector.apply([(1, earlier.placed())])
    reasons = [{"product_id": 8, "requested": 4, "available": 1}]
    projector.apply(
        [
            (2, later.placed()),
            (3, earlier.reserved()),
            (4, pending.placed()),
            (5, later.rejected(reasons)),
        ]
    )
    statuses = dict(OrderRow.objects.values_list("order_id", "status"))
    assert statuses == {earlier.id: "CONFIRMED", later.id: "REJECTED", pending.id: "PENDING"}
    assert OrderLineRow.objects.count() == 3


def test_apply_reports_the_stores_whose_order_listings_changed():
    projector = StoreOrdersProjector()
    first, second = OrderHistory(1, (7, 1)), OrderHistory(4, (7, 1))
    assert projector.apply([(1, first.placed())]).stores == {"orders": {1}}
    assert projector.apply([(2, second.placed()), (3, first.reserved())]).stores == {
        "orders": {1, 4}
    }


def status_counts() -> dict[str, int]:
    return dict(OrderStatusCount.objects.values_list("status", "orders"))


def test_counts_per_status_follow_orders_placed_and_settled_across_batches():
    projector = StoreOrdersProjector()
    a, b, c, d = (OrderHistory(1, (7, 1)) for _ in range(4))
    projector.apply([(1, a.placed()), (2, a.reserved()), (3, b.placed()), (4, c.placed())])
    assert status_counts() == {"CONFIRMED": 1, "PENDING": 2}
    reasons = [{"product_id": 7, "requested": 1, "available": 0}]
    projector.apply([(5, b.reserved()), (6, c.rejected(reasons)), (7, d.placed())])
    assert status_counts() == {"CONFIRMED": 2, "PENDING": 1, "REJECTED": 1}
    projector.apply([(8, d.reserved())])
    assert status_counts() == {"CONFIRMED": 3, "REJECTED": 1}  # no PENDING row, as in a rebuild
    counted = dict(
        OrderRow.objects.values("status").annotate(n=Count("*")).values_list("status", "n")
    )
    assert status_counts() == counted
