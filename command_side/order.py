"""Order: placed with its lines, then confirmed (stock reserved) or rejected with reasons; a
confirmed order may be cancelled, giving its stock back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from uuid import UUID

from events.orders import (
    INSUFFICIENT_STOCK,
    NOT_STOCKED,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    StockReserved,
)

from .aggregate import Aggregate
from .catalog import Product
from .errors import OrderNotCancellable
from .stock import StockItem

CONFIRMED = "CONFIRMED"
REJECTED = "REJECTED"
PENDING = "PENDING"
CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: int


class Order(Aggregate):
    store_id: int
    lines: list[dict]
    status: str
    created_at: datetime
    request_fingerprint: str
    rejection_reasons: list[dict]
    cancelled_at: datetime | None
    cancellation_reason: str | None

    @classmethod
    def place(
        cls,
        order_id: UUID,
        store_id: int,
        lines: list[OrderLine],
        products: dict[int, Product],
        fingerprint: str,
        now: datetime,
    ) -> Order:
        order = cls(order_id)
        placed_lines = [
            {
                "product_id": line.product_id,
                "product_title": products[line.product_id].title,
                "unit_price": products[line.product_id].price,
                "quantity_requested": line.quantity,
            }
            for line in lines
        ]
        order._record(
            OrderPlaced,
            now,
            store_id=store_id,
            lines=placed_lines,
            request_fingerprint=fingerprint,
        )
        return order

    def decide(self, stock: dict[int, StockItem | None], now: datetime) -> list[StockItem]:
        """Confirm and reserve every line, or reject with a reason per short line.

        Returns the stock items that changed (none when rejected): all lines or nothing.
        """
        reasons = [
            reason
            for line in self.lines
            if (reason := _shortfall(line, stock.get(line["product_id"]))) is not None
        ]
        if reasons:
            self._record(OrderRejected, now, store_id=self.store_id, reasons=reasons)
            return []
        touched = []
        for line in self.lines:
            item = stock[line["product_id"]]
            assert item is not None
            item.reserve(self.id, line["quantity_requested"], now)
            touched.append(item)
        reserved = [
            {"product_id": line["product_id"], "quantity": line["quantity_requested"]}
            for line in self.lines
        ]
        self._record(StockReserved, now, store_id=self.store_id, lines=reserved)
        return touched

    def cancel(
        self, reason: str, stock: Mapping[int, StockItem | None], now: datetime
    ) -> list[StockItem]:
        """Cancel a confirmed order and release every line's units; the stock items changed.

        Already cancelled: nothing recorded (a repeated cancel is answered, not refused)."""
        if self.status == CANCELLED:
            return []
        if self.status != CONFIRMED:
            raise OrderNotCancellable(self.id, self.status)
        released = []
        for line in self.lines:
            item = stock[line["product_id"]]
            assert item is not None, "a confirmed line reserved its units there, so it exists"
            item.release(self.id, line["quantity_requested"], now)
            released.append(item)
        self._record(OrderCancelled, now, store_id=self.store_id, reason=reason)
        return released

    @property
    def total_quantity(self) -> int:
        return sum(line["quantity_requested"] for line in self.lines)

    @singledispatchmethod
    def when(self, event: object) -> None:
        raise NotImplementedError(type(event))

    @when.register
    def _(self, event: OrderPlaced) -> None:
        self.store_id, self.lines, self.status = event.store_id, event.lines, PENDING
        self.created_at, self.request_fingerprint = event.timestamp, event.request_fingerprint
        self.rejection_reasons = []
        self.cancelled_at, self.cancellation_reason = None, None

    @when.register
    def _(self, event: StockReserved) -> None:
        self.status = CONFIRMED

    @when.register
    def _(self, event: OrderRejected) -> None:
        self.status, self.rejection_reasons = REJECTED, event.reasons

    @when.register
    def _(self, event: OrderCancelled) -> None:
        self.status, self.cancelled_at = CANCELLED, event.timestamp
        self.cancellation_reason = event.reason


def _shortfall(line: dict, item: StockItem | None) -> dict | None:
    """Why `line` cannot be reserved from `item`, or None if it can."""
    if item is not None and item.can_reserve(line["quantity_requested"]):
        return None
    return {
        "product_id": line["product_id"],
        "requested": line["quantity_requested"],
        "available": item.quantity if item is not None else 0,
        "code": NOT_STOCKED if item is None else INSUFFICIENT_STOCK,
    }
