"""StoreOrdersProjector: one row per order (status, totals, reasons, cancellation), its lines,
and the number of orders in each status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from events.orders import OrderCancelled, OrderPlaced, OrderRejected, StockReserved
from query_side.models import OrderLineRow, OrderRow, OrderStatusCount
from query_side.projection_names import STORE_ORDERS

from .base import PositionedEvent, Touched
from .rows import insert_rows, update_rows

CONFIRMED, REJECTED, PENDING, CANCELLED = "CONFIRMED", "REJECTED", "PENDING", "CANCELLED"
# What an outcome (confirmed, rejected, cancelled) sets: the last columns of an order row.
OUTCOME_FIELDS = ("status", "rejection_reasons", "position", "cancelled_at", "cancellation_reason")
ORDER_FIELDS = (
    "order_id",
    "store_id",
    "created_at",
    "total_items",
    "total_quantity",
    *OUTCOME_FIELDS,
)
STATUS = ORDER_FIELDS.index("status")
OUTCOME_SLICE = slice(STATUS, None)
LINE_FIELDS = ("order", "line_no", "product_id", "product_title", "quantity_requested")


class StoreOrdersProjector:
    name = STORE_ORDERS
    topics = frozenset(e.TOPIC for e in (OrderPlaced, StockReserved, OrderRejected, OrderCancelled))
    tables = (OrderRow, OrderLineRow, OrderStatusCount)

    def apply(self, events: Sequence[PositionedEvent]) -> Touched:
        placed, lines, outcomes = fold(events)
        earlier = settle(placed, outcomes)
        before = stored_store_and_status([order_id for *_, order_id in earlier])
        insert_rows(OrderRow, ORDER_FIELDS, list(placed.values()))
        insert_rows(OrderLineRow, LINE_FIELDS, lines)
        update_rows(OrderRow, OUTCOME_FIELDS, ("order_id",), earlier)
        count_status_changes(status_changes(placed, earlier, before))
        touched = Touched()
        touched.add("orders", {row[1] for row in placed.values()})
        touched.add("orders", {store_id for store_id, _ in before.values()})
        return touched


def fold(events: Sequence[PositionedEvent]) -> tuple[dict, list[tuple], dict]:
    """(new order rows by id, their line rows, outcomes by order id) of a batch."""
    placed: dict = {}
    lines: list[tuple] = []
    outcomes: dict = {}
    for position, event in events:
        match event:
            case OrderPlaced():
                placed[event.originator_id] = placed_row(event, position)
                lines.extend(line_rows(event))
            case StockReserved():
                outcomes[event.originator_id] = (CONFIRMED, [], position, None, "")
            case OrderRejected():
                outcomes[event.originator_id] = (REJECTED, event.reasons, position, None, "")
            case OrderCancelled():
                outcome = (CANCELLED, [], position, event.timestamp, event.reason)
                outcomes[event.originator_id] = outcome
    return placed, lines, outcomes


def settle(placed: dict, outcomes: dict) -> list[tuple]:
    """Apply outcomes to the batch's new rows; the update rows (OUTCOME_FIELDS, order id) of
    orders placed in an earlier batch."""
    # An order and its outcome are appended together, so both are nearly always in this
    # batch; an outcome whose order was placed in an earlier batch updates that row.
    earlier = []
    for order_id, outcome in outcomes.items():
        row = placed.get(order_id)
        if row is None:
            earlier.append((*outcome, order_id))
        else:
            row[OUTCOME_SLICE] = outcome
    return earlier


def stored_store_and_status(order_ids: list) -> dict:
    """{order id: (store id, status)} of stored order rows, before this batch changes them."""
    if not order_ids:
        return {}
    rows = OrderRow.objects.filter(pk__in=order_ids).values_list("order_id", "store_id", "status")
    return {order_id: (store_id, status) for order_id, store_id, status in rows}


def status_changes(placed: dict, earlier: list[tuple], before: dict) -> list[tuple[str, int]]:
    """(status, change in its count) of a batch: new orders add one to their status, an
    outcome of an earlier order moves one from the status it had."""
    change: Counter = Counter(row[STATUS] for row in placed.values())
    for status, *_, order_id in earlier:
        change[status] += 1
        change[before[order_id][1]] -= 1  # a missing row: update_rows has refused already
    return [(status, n) for status, n in sorted(change.items()) if n]


def count_status_changes(changes: list[tuple[str, int]]) -> None:
    names = ("status", "orders")
    insert_rows(OrderStatusCount, names, changes, conflict=["status"], add=["orders"])
    decreased = [status for status, n in changes if n < 0]
    if decreased:  # a count back at 0 leaves no row: a rebuild batched otherwise never wrote one
        OrderStatusCount.objects.filter(status__in=decreased, orders=0).delete()


def placed_row(event: OrderPlaced, position: int) -> list:
    return [
        event.originator_id,
        event.store_id,
        event.timestamp,
        len(event.lines),
        sum(line["quantity_requested"] for line in event.lines),
        *(PENDING, [], position, None, ""),
    ]


def line_rows(event: OrderPlaced) -> list[tuple]:
    return [
        (
            event.originator_id,
            n,
            line["product_id"],
            line["product_title"],
            line["quantity_requested"],
        )
        for n, line in enumerate(event.lines, start=1)
    ]
