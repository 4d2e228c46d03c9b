"""StoreOrdersProjector: one row per order (status, totals, reasons) and its lines."""

from __future__ import annotations

from collections.abc import Sequence

from events.orders import OrderPlaced, OrderRejected, StockReserved
from query_side.models import OrderLineRow, OrderRow

from .base import PositionedEvent, Touched

CONFIRMED, REJECTED, PENDING = "CONFIRMED", "REJECTED", "PENDING"


class StoreOrdersProjector:
    name = "store_orders"
    topics = frozenset(e.TOPIC for e in (OrderPlaced, StockReserved, OrderRejected))
    tables = (OrderRow, OrderLineRow)

    def apply(self, events: Sequence[PositionedEvent]) -> Touched:
        placed: dict = {}
        lines: list[OrderLineRow] = []
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
        # An order placed in an earlier batch gets its outcome here: fetch its row to update.
        earlier = OrderRow.objects.in_bulk([oid for oid in outcomes if oid not in placed])
        rows = {**earlier, **placed}
        for order_id, (status, reasons, position) in outcomes.items():
            row = rows[order_id]
            row.status, row.rejection_reasons, row.position = status, reasons, position
        if rows:
            OrderRow.objects.bulk_create(
                rows.values(),
                update_conflicts=True,
                unique_fields=["order_id"],
                update_fields=["status", "rejection_reasons", "position"],
            )
        OrderLineRow.objects.bulk_create(lines)
        touched = Touched()
        touched.add("orders", {row.store_id for row in rows.values()})
        return touched


def placed_row(event: OrderPlaced, position: int) -> OrderRow:
    return OrderRow(
        order_id=event.originator_id,
        store_id=event.store_id,
        status=PENDING,
        created_at=event.timestamp,
        total_items=len(event.lines),
        total_quantity=sum(line["quantity_requested"] for line in event.lines),
        rejection_reasons=[],
        position=position,
    )


def line_rows(event: OrderPlaced) -> list[OrderLineRow]:
    return [
        OrderLineRow(
            order_id=event.originator_id,
            line_no=n,
            product_id=line["product_id"],
            product_title=line["product_title"],
            quantity_requested=line["quantity_requested"],
        )
        for n, line in enumerate(event.lines, start=1)
    ]
