"""The command side's view of the event store: snapshotting and aggregate loading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from events.store import APPLICATION_NAME, EventStoreApplication

from .aggregate import Aggregate
from .cached_repository import CopyOnWriteRepository
from .stock import StockItem
from .warm_loads import load_many

A = TypeVar("A", bound=Aggregate)

# Loading cost must not grow with history: with the aggregate cache a warm load is one query
# for new events; a snapshot every N events bounds a cold load.
STOCK_SNAPSHOT_INTERVAL = 200


class OrderingApplication(EventStoreApplication):
    name = APPLICATION_NAME
    snapshotting_intervals = {StockItem: STOCK_SNAPSHOT_INTERVAL}
    snapshotting_projectors = {StockItem: StockItem.project}

    repository: CopyOnWriteRepository  # construct_repository below builds it

    def construct_repository(self) -> CopyOnWriteRepository:
        """The library's repository, but cached aggregates are read-only (cached_repository.py)."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CopyOnWriteRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            # Always on: without fast-forwarding, save() would cache the caller's own object.
            fastforward=True,
        )

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None if it was never created."""
        try:
            return self.load_existing(cls, aggregate_id)
        except AggregateNotFoundError:
            return None

    def load_existing(self, cls: type[A], aggregate_id: UUID) -> A:
        """An aggregate whose history was just seen: AggregateNotFoundError if there is none."""
        aggregate: A = self.repository.get(aggregate_id, projector_func=cls.project)
        return aggregate

    def load_many(self, cls: type[A], aggregate_ids: list[UUID]) -> dict[UUID, A | None]:
        """Several aggregates, the cached ones brought up to date with one query."""
        return load_many(self, dict.fromkeys(aggregate_ids, cls))

    def load_kinds(self, classes: Mapping[UUID, type[Aggregate]]) -> dict[UUID, Aggregate | None]:
        """Aggregates of several classes (id -> class), the cached ones with one query."""
        return load_many(self, classes)
