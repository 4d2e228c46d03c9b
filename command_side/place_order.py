"""place_order: decide an order against current stock and append it atomically.

The order and every stock item it reserves are saved in one append with expected versions, so
either all lines are reserved or none; a conflicting writer makes the append fail and retry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from uuid import UUID

from events.positions import last_position_of

from .context import CommandContext
from .errors import IdempotencyKeyReused
from .ids import order_id_for_idempotency_key, stock_item_id
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
    fingerprint = command.fingerprint()
    key = command.idempotency_key
    order_id = order_id_for_idempotency_key(key) if key else ctx.new_id()

    def replay() -> OrderOutcome | None:
        return _replay(ctx, order_id, fingerprint) if key else None

    earlier = replay()
    if earlier is not None:
        return earlier
    ctx.catalog.store(command.store_id)
    products = ctx.catalog.products([line.product_id for line in command.lines])
    item_ids = {
        line.product_id: stock_item_id(command.store_id, line.product_id) for line in command.lines
    }

    def attempt() -> OrderOutcome:
        loaded = ctx.app.load_many(StockItem, list(item_ids.values()))
        stock = {pid: loaded[iid] for pid, iid in item_ids.items()}
        now = ctx.clock()
        order = Order.place(
            order_id, command.store_id, list(command.lines), products, fingerprint, now
        )
        touched = order.decide(stock, now)
        # The order's events go last, so its newest event holds the append's last position.
        recordings = ctx.app.save(*touched, order)
        return OrderOutcome(order, recordings[-1].notification.id)

    return retry_on_conflict(ctx, item_ids.values(), attempt, on_conflict=replay)


def _replay(ctx: CommandContext, order_id: UUID, fingerprint: str) -> OrderOutcome | None:
    """The earlier outcome under the same Idempotency-Key, if there is one."""
    order = ctx.app.load(Order, order_id)
    if order is None:
        return None
    if order.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused
    return OrderOutcome(order, last_position_of(ctx.app, order_id) or 0, replayed=True)
