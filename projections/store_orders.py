"""StoreOrdersProjector: one row per order (status, totals, reasons) and its lines."""

from __future__ import annotations

from collections.abc import Sequence

from events.orders import OrderPlaced, OrderRejected, StockReserved
from query_side.models import OrderLineRow, OrderRow

from .base import PositionedEvent, Touched
from .rows import insert_rows, update_rows

CONFIRMED, REJECTED, PENDING = "CONFIRMED", "REJECTED", "PENDING"
ORDER_FIELDS = (
    "order_id",
    "store_id",
    "status",
    "created_at",
    "total_items",
    "total_quantity",
    "rejection_reasons",
    "position",
)
STATUS, REASONS, POSITION = (
    ORDER_FIELDS.index(f) for f in ("status", "rejection_reasons", "position")
)
LINE_FIELDS = ("order", "line_no", "product_id", "product_title", "quantity_requested")


class StoreOrdersProjector:
    name = "store_orders"
    topics = frozenset(e.TOPIC for e in (OrderPlaced, StockReserved, OrderRejected))
    tables = (OrderRow, OrderLineRow)

    def apply(self, events: Sequence[PositionedEvent]) -> Touched:
        placed: dict = {}
        lines: list[tuple] = []
        outcomes: dict = {}
        for position, event in events:
            match event:
                case OrderPlaced():
                    placed[event.originator_id] = placed_row(event, position)
                    lines.extend(line_rows(event))
                case StockReserved():
                    outcomes[event.originator_id] = (CONFIRMED, [], position)
                case OrderRejected():
                    outcomes[event.originator_id] = (REJECTED, event.reasons, position)
        # An order and its outcome are appended together, so both are nearly always in this
        # batch; an outcome whose order was placed in an earlier batch updates that row.
        earlier = []
        for order_id, (status, reasons, position) in outcomes.items():
            row = placed.get(order_id)
            if row is None:
                earlier.append((status, reasons, position, order_id))
            else:
                row[STATUS], row[REASONS], row[POSITION] = status, reasons, position
        insert_rows(OrderRow, ORDER_FIELDS, list(placed.values()))
        insert_rows(OrderLineRow, LINE_FIELDS, lines)
        update_rows(OrderRow, ("status", "rejection_reasons", "position"), ("order_id",), earlier)
        touched = Touched()
        touched.add("orders", {row[1] for row in placed.values()})
        if earlier:
            ids = [order_id for *_, order_id in earlier]
            touched.add(
                "orders",
                set(OrderRow.objects.filter(pk__in=ids).values_list("store_id", flat=True)),
            )
        return touched


def placed_row(event: OrderPlaced, position: int) -> list:
    return [
        event.originator_id,
        event.store_id,
        PENDING,
        event.timestamp,
        len(event.lines),
        sum(line["quantity_requested"] for line in event.lines),
        [],
        position,
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
