"""StockItem: one (store, product) pair; owns the quantity and the invariant quantity >= 0."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from uuid import UUID

from events.stock import (
    StockAdjusted,
    StockItemOpened,
    StockItemReserved,
    StockReceived,
    StockReleased,
)

from .aggregate import Aggregate, ScalarState
from .errors import InvalidQuantity, StockWouldGoNegative
from .ids import stock_item_id


class InsufficientStock(Exception):
    """Raised by `reserve` if the caller skipped `can_reserve`; never reaches a client."""


class StockItem(ScalarState, Aggregate):
    store_id: int
    product_id: int
    quantity: int

    @classmethod
    def open(cls, store_id: int, product_id: int, now: datetime) -> StockItem:
        item = cls(stock_item_id(store_id, product_id))
        item._record(StockItemOpened, now, store_id=store_id, product_id=product_id)
        return item

    def receive(self, quantity: int, now: datetime) -> None:
        if quantity < 1:
            raise InvalidQuantity(quantity)
        self._record(
            StockReceived,
            now,
            store_id=self.store_id,
            product_id=self.product_id,
            quantity=quantity,
            quantity_after=self.quantity + quantity,
        )

    def adjust(self, delta: int, reason: str, now: datetime) -> None:
        """A signed correction with its reason; the quantity never goes below zero."""
        if delta == 0:
            raise InvalidQuantity(delta)
        if self.quantity + delta < 0:
            raise StockWouldGoNegative(self.quantity, delta)
        self._record(
            StockAdjusted,
            now,
            store_id=self.store_id,
            product_id=self.product_id,
            delta=delta,
            reason=reason,
            quantity_after=self.quantity + delta,
        )

    def can_reserve(self, quantity: int) -> bool:
        return 0 < quantity <= self.quantity

    def reserve(self, order_id: UUID, quantity: int, now: datetime) -> None:
        if not self.can_reserve(quantity):
            raise InsufficientStock(f"{self.id}: {quantity} > {self.quantity}")
        self._record(
            StockItemReserved,
            now,
            store_id=self.store_id,
            product_id=self.product_id,
            order_id=order_id,
            quantity=quantity,
            quantity_after=self.quantity - quantity,
        )

    def release(self, order_id: UUID, quantity: int, now: datetime) -> None:
        """Give back units `order_id` reserved (the order checks it holds them)."""
        if quantity < 1:
            raise InvalidQuantity(quantity)
        self._record(
            StockReleased,
            now,
            store_id=self.store_id,
            product_id=self.product_id,
            order_id=order_id,
            quantity=quantity,
            quantity_after=self.quantity + quantity,
        )

    @singledispatchmethod
    def when(self, event: object) -> None:
        raise NotImplementedError(type(event))

    @when.register
    def _(self, event: StockItemOpened) -> None:
        self.store_id, self.product_id, self.quantity = event.store_id, event.product_id, 0

    @when.register
    def _(self, event: StockReceived) -> None:
        self.quantity = event.quantity_after

    @when.register
    def _(self, event: StockItemReserved) -> None:
        self.quantity = event.quantity_after

    @when.register
    def _(self, event: StockReleased) -> None:
        self.quantity = event.quantity_after

    @when.register
    def _(self, event: StockAdjusted) -> None:
        self.quantity = event.quantity_after
