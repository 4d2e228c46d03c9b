"""Audit: an aggregate's events straight from the event store, oldest first, with positions.

The read side answers "what is"; this answers "what happened, when, in which order", so an
operator can check any read model against the source of truth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from events.orders import OrderPlaced
from events.positions import positions_by_version

from .context import CommandContext
from .ids import stock_item_id
from .order import Order
from .stock import StockItem

BASE_FIELDS = {"originator_id", "originator_version", "timestamp"}


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    recorded_at: Any
    position: int | None
    data: dict[str, Any]


def history(
    ctx: CommandContext, aggregate_id: UUID, gt: int = 0, lte: int | None = None
) -> list[HistoryEntry]:
    """Events with versions in (gt, lte] (all by default), oldest first."""
    positions = positions_by_version(ctx.app, aggregate_id, gt, lte or 2**62)
    return [
        HistoryEntry(
            version=event.originator_version,
            type=type(event).__name__,
            recorded_at=event.timestamp,
            position=positions.get(event.originator_version),
            data={
                f.name: getattr(event, f.name)
                for f in dataclasses.fields(event)
                if f.name not in BASE_FIELDS
            },
        )
        for event in ctx.app.events.get(aggregate_id, gt=gt or None, lte=lte)
    ]


def order_history(ctx: CommandContext, order_id: UUID) -> list[HistoryEntry]:
    """The order's events; none when the id names no order (stock items and stores have ids
    anyone can compute, and their events are not an order's history)."""
    entries = history(ctx, order_id)
    return entries if entries and entries[0].type == OrderPlaced.__name__ else []


def order_as_of(ctx: CommandContext, order_id: UUID, version: int) -> Order | None:
    """The order's state after event `version` (None when the order has no such version)."""
    if version < 1:
        return None
    order = ctx.app.repository.get(order_id, version=version, projector_func=Order.project)
    return order if order.version == version else None


def stock_history(
    ctx: CommandContext, store_id: int, product_id: int, offset: int = 0, limit: int | None = None
) -> tuple[int, list[HistoryEntry]]:
    """How many movements one (store, product) has, and a window of them, oldest first.

    Versions run 1..n without gaps, so a page is a version range: no scan of earlier events.
    """
    item_id = stock_item_id(store_id, product_id)
    item = ctx.app.load(StockItem, item_id)
    if item is None:
        return 0, []
    upper = item.version if limit is None else min(item.version, offset + limit)
    return item.version, history(ctx, item_id, gt=offset, lte=upper)
