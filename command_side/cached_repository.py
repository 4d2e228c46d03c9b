"""The aggregate cache's one discipline: an entry is never changed, a newer one replaces it.

The library's repository fast-forwards a cached aggregate in place (under a lock of its own)
and deep-copies it for the caller after releasing that lock, so a copy taken meanwhile, or a
second writer of the same object, could pair one version's state with another's number. Here
every path (`get` below, `warm_loads.load_many`) folds newer events into a private copy, offers
it to the cache, and gives each caller a copy of its own: what the cache holds is read-only, so
a reader never sees half an event, whatever the threads do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import DomainEvent, DomainEventProtocol

# Folds events into an aggregate (or None): an aggregate class's `project`.
Projector = Callable[[Any, Iterable[DomainEvent]], Any]


class CopyOnWriteRepository(Repository):
    """The library's repository with read-only cache entries (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only makes "replace if newer" atomic: correctness never depends on it, because any
        # entry is a whole version and every load adds the newer events from the store.
        self._replace_lock = threading.Lock()

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        """A private copy of the aggregate, up to date with the store (or at `version`)."""
        projector_func = kwargs.get("projector_func", project_aggregate)
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        entry = self.cached(aggregate_id)
        if entry is None:
            latest = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.offer(latest)
        else:
            newer = self.event_store.get(originator_id=aggregate_id, gt=entry.version)
            latest = self.fast_forward(entry, newer, projector_func)
        return deepcopy(latest)

    def cached(self, aggregate_id: UUID) -> Any | None:
        """The cache's read-only entry, or None: never mutate it, `fast_forward` copies."""
        if self.cache is None:  # no aggregate cache configured (callers check first)
            return None
        try:
            return self.cache.get(aggregate_id)
        except KeyError:
            return None

    def fast_forward(
        self, entry: Any, newer: Iterable[DomainEventProtocol[Any]], projector_func: Projector
    ) -> Any:
        """`entry` with the `newer` events folded into a copy (which replaces it in the cache)."""
        # The library types stored events as a protocol; this store holds only DomainEvents.
        events = cast("list[DomainEvent]", list(newer))
        if not events:
            return entry
        latest = projector_func(deepcopy(entry), events)
        if latest is None:
            raise AggregateNotFoundError(entry.id)
        self.offer(latest)
        return latest

    def offer(self, aggregate: Any) -> None:
        """Cache `aggregate` (never to be mutated again) unless a newer version is already in."""
        if self.cache is None:
            return
        with self._replace_lock:
            current = self.cached(aggregate.id)
            if current is None or current.version < aggregate.version:
                self.cache.put(aggregate.id, aggregate)
