"""place_order: decide an order against current stock and append it atomically.

The order and every stock item it reserves are saved in one append with expected versions, so
either all lines are reserved or none; a conflicting writer makes the append fail and retry.
An append that committed but whose reply was lost is recognised by the order's own id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError

from events.correlation import caused_by, event_id
from events.positions import last_position_of

from .catalog import Product
from .context import CommandContext, known_products
from .errors import IdempotencyKeyReused
from .ids import order_id_for_idempotency_key, product_aggregate_id, stock_item_id
from .order import Order, OrderLine
from .retry import retry_on_conflict
from .stock import StockItem


@dataclass(frozen=True)
class PlaceOrder:
    store_id: int
    lines: tuple[OrderLine, ...]
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        body = [self.store_id, [[line.product_id, line.quantity] for line in self.lines]]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


@dataclass(frozen=True)
class OrderOutcome:
    order: Order
    position: int
    replayed: bool = False


def place_order(ctx: CommandContext, command: PlaceOrder) -> OrderOutcome:
    placement = _Placement(ctx, command)
    if command.idempotency_key:  # a fresh uuid4 names no order yet: nothing to look for
        earlier = placement.existing()
        if earlier is not None:
            return earlier
    ctx.catalog.store(command.store_id)
    item_ids = {
        line.product_id: stock_item_id(command.store_id, line.product_id) for line in command.lines
    }
    return retry_on_conflict(
        ctx,
        item_ids.values(),
        lambda: placement.attempt(item_ids),
        # A conflict may be with the order's own id: an earlier request under the same key, or
        # our own append that committed while its reply was lost and was then sent again.
        on_conflict=placement.existing,
    )


class _Placement:
    """One request's attempts at placing the order under one id."""

    def __init__(self, ctx: CommandContext, command: PlaceOrder) -> None:
        self.ctx, self.command = ctx, command
        self.fingerprint = command.fingerprint()
        key = command.idempotency_key
        self.order_id = order_id_for_idempotency_key(key) if key else ctx.new_id()
        # The times our attempts stamped the order with: a stored order bearing one is our own
        # write whose reply was lost (answered as placed), not an earlier request's (a replay).
        self.attempted_at: set[datetime] = set()

    def attempt(self, item_ids: dict[int, UUID]) -> OrderOutcome:
        products, stock = self.load(item_ids)
        now = self.ctx.clock()
        self.attempted_at.add(now)
        command = self.command
        order = Order.place(
            self.order_id, command.store_id, list(command.lines), products, self.fingerprint, now
        )
        touched = order.decide(stock, now)
        try:
            # The order's events go last, so its newest event holds the append's last position.
            # What the placement decided (reservations or a rejection) is caused by OrderPlaced.
            with caused_by(event_id(order.id, 1)):
                recordings = self.ctx.app.save(*touched, order)
        except (OperationalError, InterfaceError):
            # The append may have committed and only its reply been lost.
            committed = self.existing()
            if committed is None:
                raise
            return committed
        return OrderOutcome(order, recordings[-1].notification.id)

    def load(
        self, item_ids: dict[int, UUID]
    ) -> tuple[dict[int, Product], dict[int, StockItem | None]]:
        """The products (as revised now: the order captures their title and price) and the stock
        items of every line, in one query for those already cached."""
        product_ids = {pid: product_aggregate_id(pid) for pid in item_ids}
        kinds = dict.fromkeys(product_ids.values(), Product)
        loaded = self.ctx.app.load_kinds(kinds | dict.fromkeys(item_ids.values(), StockItem))
        # Each id is loaded as the class it was given: the casts only tell the type checker.
        products = known_products(
            {pid: cast("Product | None", loaded[aid]) for pid, aid in product_ids.items()}
        )
        stock = {pid: cast("StockItem | None", loaded[iid]) for pid, iid in item_ids.items()}
        return products, stock

    def existing(self) -> OrderOutcome | None:
        """The order already stored under this id, if any; another body under it is refused."""
        position = last_position_of(self.ctx.app, self.order_id)
        if position is None:
            return None
        order = self.ctx.app.load_existing(Order, self.order_id)
        if order.request_fingerprint != self.fingerprint:
            raise IdempotencyKeyReused
        return OrderOutcome(order, position, replayed=order.created_at not in self.attempted_at)
