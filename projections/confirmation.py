"""The order confirmation message, built from the event store (the source of truth) at send
time, so an order cancelled meanwhile is not announced."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from events.config import event_store_reader
from events.orders import OrderCancelled, OrderPlaced, StockReserved
from query_side.models import StoreRow


class NotConfirmed(Exception):
    """The order does not exist or was not confirmed: there is nothing to announce."""


class OrderWasCancelled(Exception):
    """The order was confirmed but cancelled before its confirmation went out."""


@dataclass(frozen=True)
class Confirmation:
    order_id: UUID
    store_id: int
    store_name: str
    lines: list[dict]
    total_quantity: int

    @property
    def subject(self) -> str:
        return f"Order {self.order_id} confirmed"

    @property
    def body(self) -> str:
        lines = "\n".join(
            f"  {line['quantity_requested']} x {line['product_title']} "
            f"(product {line['product_id']})"
            for line in self.lines
        )
        return (
            f"Your order {self.order_id} at {self.store_name} (store {self.store_id}) is "
            f"confirmed.\n\n{lines}\n\nLines: {len(self.lines)}; units: {self.total_quantity}.\n"
        )


def build_confirmation(order_id: UUID) -> Confirmation:
    events = list(event_store_reader().events.get(order_id))
    placed = next((e for e in events if isinstance(e, OrderPlaced)), None)
    if placed is None or not any(isinstance(e, StockReserved) for e in events):
        raise NotConfirmed(order_id)
    if any(isinstance(e, OrderCancelled) for e in events):
        raise OrderWasCancelled(order_id)
    store = StoreRow.objects.filter(store_id=placed.store_id).first()
    return Confirmation(
        order_id=order_id,
        store_id=placed.store_id,
        store_name=store.name if store else f"store {placed.store_id}",
        lines=placed.lines,
        total_quantity=sum(line["quantity_requested"] for line in placed.lines),
    )
