"""Bulk versions of the catalog commands for seeding: many new aggregates per atomic append.

Creation is all-or-nothing per batch; a batch that meets an existing aggregate is redone one by
one, skipping what exists, so re-running a seed adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from eventsourcing.persistence import IntegrityError

from .aggregate import Aggregate
from .catalog import Product, Store
from .context import CommandContext
from .retry import retry_on_conflict
from .sequence import IdSequence, sequence_id
from .stock import StockItem

# The aggregates one spec creates (built afresh for each try: a save consumes pending events).
Build = Callable[[], list[Aggregate]]


@dataclass(frozen=True)
class StoreSpec:
    store_id: int
    name: str
    location: str


@dataclass(frozen=True)
class ProductSpec:
    product_id: int
    title: str
    description: str
    price: Decimal
    category: str


@dataclass(frozen=True)
class StockSpec:
    store_id: int
    product_id: int
    quantity: int


@dataclass(frozen=True)
class BulkResult:
    created: int
    skipped: int


def open_stores(ctx: CommandContext, specs: Sequence[StoreSpec]) -> BulkResult:
    _cover_ids(ctx, "store", max((s.store_id for s in specs), default=0))

    def build(spec: StoreSpec) -> list[Aggregate]:
        return [Store.open(spec.store_id, spec.name, spec.location, ctx.clock())]

    return _save_all(ctx, [partial(build, s) for s in specs])


def register_products(ctx: CommandContext, specs: Sequence[ProductSpec]) -> BulkResult:
    _cover_ids(ctx, "product", max((p.product_id for p in specs), default=0))

    def build(p: ProductSpec) -> list[Aggregate]:
        now = ctx.clock()
        return [Product.register(p.product_id, p.title, p.description, p.price, p.category, now)]

    return _save_all(ctx, [partial(build, p) for p in specs])


def stock_new_items(ctx: CommandContext, specs: Sequence[StockSpec]) -> BulkResult:
    """Open and fill stock items that do not exist yet; existing ones are left as they are."""

    def build(spec: StockSpec) -> list[Aggregate]:
        item = StockItem.open(spec.store_id, spec.product_id, ctx.clock())
        item.receive(spec.quantity, ctx.clock())
        return [item]

    return _save_all(ctx, [partial(build, s) for s in specs])


def _cover_ids(ctx: CommandContext, kind: str, max_id: int) -> None:
    def attempt() -> None:
        sequence = ctx.app.load(IdSequence, sequence_id(kind)) or IdSequence.start(kind)
        sequence.cover(max_id, ctx.clock())
        ctx.app.save(sequence)

    retry_on_conflict(ctx, [sequence_id(kind)], attempt)


def _save_all(ctx: CommandContext, builds: list[Build]) -> BulkResult:
    try:
        ctx.app.save(*[agg for build in builds for agg in build()])
        return BulkResult(created=len(builds), skipped=0)
    except IntegrityError:
        pass
    # Some exist already (a re-run): append the missing ones together, one by one only if a
    # concurrent writer creates some of them meanwhile.
    fresh = [build() for build in builds]
    missing = [aggs for aggs in fresh if not ctx.app.recorder.select_events(aggs[0].id, limit=1)]
    try:
        ctx.app.save(*[agg for aggs in missing for agg in aggs])
        return BulkResult(created=len(missing), skipped=len(builds) - len(missing))
    except IntegrityError:
        pass
    created = 0
    for build in builds:
        try:
            ctx.app.save(*build())
            created += 1
        except IntegrityError:
            continue
    return BulkResult(created=created, skipped=len(builds) - created)
