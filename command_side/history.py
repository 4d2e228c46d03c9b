"""Audit: an aggregate's events straight from the event store, oldest first, with positions.

The read side answers "what is"; this answers "what happened, when, in which order", so an
operator can check any read model against the source of truth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.utils import get_topic

from events.base import Event
from events.bounds import current_version, first_topic
from events.correlation import metadata_of
from events.orders import OrderPlaced
from events.positions import positions_by_version

from .context import CommandContext
from .ids import stock_item_id
from .order import Order

BASE_FIELDS = {"originator_id", "originator_version", "timestamp"}


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    recorded_at: Any
    position: int | None
    data: dict[str, Any]
    # {"correlation_id", "causation_id"}: both None for events stored before they existed.
    metadata: dict[str, str | None]


def history(
    ctx: CommandContext, aggregate_id: UUID, gt: int = 0, lte: int | None = None
) -> list[HistoryEntry]:
    """Events with versions in (gt, lte] (all by default), oldest first."""
    positions = positions_by_version(ctx.app, aggregate_id, gt, lte or 2**62)
    # The library types stored events as a protocol; this store holds only Event dataclasses.
    stored = cast("list[Event]", list(ctx.app.events.get(aggregate_id, gt=gt or None, lte=lte)))
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
            metadata=metadata_of(event),
        )
        for event in stored
    ]


def starts_with(ctx: CommandContext, aggregate_id: UUID, first_event: type[Event]) -> bool:
    """Whether the aggregate's history opens with `first_event`, i.e. is of that kind: one row."""
    return first_topic(ctx.app, aggregate_id) == get_topic(first_event)


def order_history(
    ctx: CommandContext, order_id: UUID, up_to: int | None = None
) -> list[HistoryEntry]:
    """The order's events up to version `up_to` (all by default); none when the id names no
    order. Stock items and stores have ids anyone can compute, and some have long histories:
    their kind shows in their first row, so nothing else of theirs is read."""
    if not starts_with(ctx, order_id, OrderPlaced):
        return []
    return history(ctx, order_id, lte=up_to)


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

    Versions run 1..n without gaps, so the count is the newest version (one row) and a page is
    the version range (offset, offset + limit]: a page reads its own events and nothing before
    them (each movement carries the quantity after it). The id is uuid5 of "stock:<s>:<p>", so
    it can only name a stock item: no kind check.
    """
    item_id = stock_item_id(store_id, product_id)
    count = current_version(ctx.app, item_id)
    upper = count if limit is None else min(count, offset + limit)
    if upper <= offset:
        return count, []
    return count, history(ctx, item_id, gt=offset, lte=upper)
