"""Commands that build the catalog and stock: open_store, register_product, revise_product,
receive_stock, adjust_stock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from events.positions import last_position_of

from .aggregate import Aggregate
from .catalog import Product, Store
from .context import CommandContext
from .errors import AlreadyExists, InvalidQuantity, ProductNotFound, StockItemNotFound
from .ids import product_aggregate_id, stock_item_id, store_aggregate_id
from .retry import retry_on_conflict
from .sequence import IdSequence, sequence_id
from .stock import StockItem


@dataclass(frozen=True)
class Saved:
    """What a command wrote: the aggregate and the position of its last event."""

    aggregate: object
    position: int


def _load_sequence(ctx: CommandContext, kind: str) -> IdSequence:
    return ctx.app.load(IdSequence, sequence_id(kind)) or IdSequence.start(kind)


def _create_numbered(
    ctx: CommandContext,
    kind: str,
    wire_id: int | None,
    build: Callable[[int, datetime], Aggregate],
) -> Saved:
    """Save a new store or product with its id: the given one, or the next of the sequence."""

    def attempt() -> Saved:
        sequence = _load_sequence(ctx, kind)
        now = ctx.clock()
        if wire_id is None:
            new_id = sequence.next_id(now)
        else:
            new_id = wire_id
            sequence.cover(wire_id, now)
        aggregate = build(new_id, now)
        recordings = ctx.app.save(aggregate, sequence)
        return Saved(aggregate, recordings[0].notification.id)

    def already_exists() -> None:
        if wire_id is not None and _exists(ctx, kind, wire_id):
            raise AlreadyExists(f"{kind.capitalize()} {wire_id}")

    return retry_on_conflict(ctx, [sequence_id(kind)], attempt, on_conflict=already_exists)


def _exists(ctx: CommandContext, kind: str, wire_id: int) -> bool:
    if kind == "store":
        return ctx.app.load(Store, store_aggregate_id(wire_id)) is not None
    return ctx.app.load(Product, product_aggregate_id(wire_id)) is not None


def open_store(ctx: CommandContext, name: str, location: str, store_id: int | None = None) -> Saved:
    return _create_numbered(
        ctx, "store", store_id, lambda sid, now: Store.open(sid, name, location, now)
    )


def register_product(
    ctx: CommandContext,
    title: str,
    description: str,
    price: Decimal,
    category: str,
    product_id: int | None = None,
) -> Saved:
    return _create_numbered(
        ctx,
        "product",
        product_id,
        lambda pid, now: Product.register(pid, title, description, price, category, now),
    )


def receive_stock(ctx: CommandContext, store_id: int, product_id: int, quantity: int) -> Saved:
    """Add units to a store's stock of a product, opening the stock item on first receipt."""
    if quantity < 1:
        raise InvalidQuantity(quantity)
    ctx.catalog.store(store_id)
    ctx.catalog.products([product_id])
    item_id = stock_item_id(store_id, product_id)

    def attempt() -> Saved:
        item = ctx.app.load(StockItem, item_id) or StockItem.open(store_id, product_id, ctx.clock())
        item.receive(quantity, ctx.clock())
        recordings = ctx.app.save(item)
        return Saved(item, recordings[-1].notification.id)

    return retry_on_conflict(ctx, [item_id], attempt)


def revise_product(ctx: CommandContext, product_id: int, changes: dict[str, Any]) -> Saved:
    """Record the fields of `changes` that differ; nothing changed → nothing written, and the
    position is that of the product's newest event."""
    aggregate_id = product_aggregate_id(product_id)

    def attempt() -> Saved:
        product = ctx.app.load(Product, aggregate_id)
        if product is None:
            raise ProductNotFound(product_id)
        if not product.revise(changes, ctx.clock()):
            return Saved(product, last_position_of(ctx.app, aggregate_id) or 0)
        recordings = ctx.app.save(product)
        return Saved(product, recordings[-1].notification.id)

    return retry_on_conflict(ctx, [aggregate_id], attempt)


def adjust_stock(
    ctx: CommandContext, store_id: int, product_id: int, delta: int, reason: str
) -> Saved:
    """Correct a stocked item's quantity by a signed `delta`; never below zero."""
    item_id = stock_item_id(store_id, product_id)

    def attempt() -> Saved:
        item = ctx.app.load(StockItem, item_id)
        if item is None:
            raise StockItemNotFound(store_id, product_id)
        item.adjust(delta, reason, ctx.clock())
        recordings = ctx.app.save(item)
        return Saved(item, recordings[-1].notification.id)

    return retry_on_conflict(ctx, [item_id], attempt)
