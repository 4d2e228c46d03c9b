"""What a projector is: a name, the event topics it folds, its tables, and a batch fold.

`apply` receives (position, event) pairs in position order inside the caller's transaction and
writes its rows in bulk; it never reads the write side, never calls the network and uses event
times, never the clock. It returns the stores whose cached listings it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db import models
from eventsourcing.domain import DomainEvent

PositionedEvent = tuple[int, DomainEvent]


@dataclass
class Touched:
    """Stores whose cached listings of each kind ("inventory", "orders") are now stale."""

    stores: dict[str, set[int]] = field(default_factory=dict)

    def add(self, kind: str, store_ids: set[int]) -> None:
        if store_ids:
            self.stores.setdefault(kind, set()).update(store_ids)

    def merge(self, other: Touched) -> None:
        for kind, store_ids in other.stores.items():
            self.add(kind, store_ids)


class Projector(Protocol):
    name: str
    topics: frozenset[str]
    tables: Sequence[type[models.Model]]

    def apply(self, events: Sequence[PositionedEvent]) -> Touched: ...


def clear_tables(projector: Projector) -> None:
    """Delete every row the projector owns (children first), inside the caller's transaction."""
    for table in reversed(projector.tables):
        table.objects.all().delete()
