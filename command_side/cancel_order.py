"""cancel_order: cancel a confirmed order and release its stock in one atomic append.

The order's OrderCancelled and a StockReleased on every item it reserved are saved together with
expected versions, so the stock comes back exactly once: a concurrent cancel (or any writer of
those items) conflicts, reloads and decides again, and finds the order already cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError

from events.correlation import caused_by, event_id
from events.orders import OrderPlaced
from events.positions import last_position_of

from .context import CommandContext
from .errors import OrderNotFound
from .history import starts_with
from .ids import stock_item_id
from .order import CANCELLED, Order
from .place_order import OrderOutcome
from .retry import retry_on_conflict
from .stock import StockItem


@dataclass(frozen=True)
class CancelOrder:
    order_id: UUID
    reason: str = ""


def cancel_order(ctx: CommandContext, command: CancelOrder) -> OrderOutcome:
    # Stock items and stores have computable ids: only an id whose history opens with
    # OrderPlaced names an order (one row read).
    if not starts_with(ctx, command.order_id, OrderPlaced):
        raise OrderNotFound(command.order_id)
    cancellation = _Cancellation(ctx, command)
    order = ctx.app.load_existing(Order, command.order_id)
    item_ids = {
        line["product_id"]: stock_item_id(order.store_id, line["product_id"])
        for line in order.lines
    }
    return retry_on_conflict(
        ctx,
        [*item_ids.values(), command.order_id],
        lambda: cancellation.attempt(item_ids),
        # The conflict may be another cancel of this order that won: answer with its result.
        on_conflict=cancellation.already_cancelled,
    )


class _Cancellation:
    """One request's attempts at cancelling one order."""

    def __init__(self, ctx: CommandContext, command: CancelOrder) -> None:
        self.ctx, self.command = ctx, command

    def attempt(self, item_ids: dict[int, UUID]) -> OrderOutcome:
        order = self.ctx.app.load_existing(Order, self.command.order_id)
        if order.status == CANCELLED:
            return self.outcome(order)
        loaded = self.ctx.app.load_many(StockItem, list(item_ids.values()))
        stock = {pid: loaded[iid] for pid, iid in item_ids.items()}
        released = order.cancel(self.command.reason, stock, self.ctx.clock())
        try:
            # The order's event goes last, so it holds the append's last position. The
            # releases are caused by the OrderCancelled, the order's newest event.
            with caused_by(event_id(order.id, order.version)):
                recordings = self.ctx.app.save(*released, order)
        except (OperationalError, InterfaceError):
            # The append may have committed and only its reply been lost.
            committed = self.already_cancelled()
            if committed is None:
                raise
            return committed
        return OrderOutcome(order, recordings[-1].notification.id)

    def already_cancelled(self) -> OrderOutcome | None:
        """The order as stored, if it is cancelled now (by us or by a concurrent request)."""
        order = self.ctx.app.load_existing(Order, self.command.order_id)
        return self.outcome(order) if order.status == CANCELLED else None

    def outcome(self, order: Order) -> OrderOutcome:
        position = last_position_of(self.ctx.app, order.id)
        assert position is not None, "a loaded order has events, so a last position"
        return OrderOutcome(order, position, replayed=True)
