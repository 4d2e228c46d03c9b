"""Base class of the aggregates: state folded from `events`, pending events for the next save.

The library's own Aggregate class defines event classes inside each aggregate; here the event
classes live in `events` (shared with projections, with stable topics), so aggregates fold them
with `when` and are rebuilt by `project`, a projector function the repository accepts.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

from events.base import TOPIC_PREFIX, Event, Snapshot


class Aggregate:
    """An event-sourced entity: `_record` an event to change state, `when` says how."""

    TOPIC: ClassVar[str] = ""
    # The shape of the state `when` folds (what a snapshot stores). Bump it when that shape
    # changes: snapshots of another version are then ignored and the events folded again.
    STATE_VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Snapshots name the aggregate class by topic: keep it stable like the event topics.
        cls.TOPIC = TOPIC_PREFIX + cls.__name__
        register_topic(cls.TOPIC, cls)

    def __init__(self, id: UUID) -> None:
        self._id = id
        self._version = 0
        self._pending_events: list[DomainEvent] = []

    @property
    def id(self) -> UUID:
        return self._id

    @property
    def version(self) -> int:
        return self._version

    def collect_events(self) -> list[DomainEvent]:
        events, self._pending_events = self._pending_events, []
        return events

    def _record(self, event_class: type[Event], timestamp: datetime, **fields: Any) -> None:
        event = event_class(
            originator_id=self._id,
            originator_version=self._version + 1,
            timestamp=timestamp,
            **fields,
        )
        self._apply(event)
        self._pending_events.append(event)

    def _apply(self, event: DomainEvent) -> None:
        self.when(event)
        self._version = event.originator_version

    def when(self, event: DomainEvent) -> None:
        raise NotImplementedError

    @classmethod
    def project(cls, aggregate: Self | None, events: Iterable[DomainEvent]) -> Self | None:
        """Fold stored events (after an optional snapshot) into an aggregate."""
        for event in events:
            if isinstance(event, Snapshot):
                aggregate = event.mutate(None)
                continue
            if aggregate is None:
                aggregate = cls(event.originator_id)
            aggregate._apply(event)
        return aggregate


class ScalarState:
    """For aggregates whose every field is an immutable scalar (ids, numbers, strings, Decimal):
    a shallow copy with its own pending events is a deep one, ~10x cheaper than deepcopy's walk.
    The aggregate cache hands every caller a copy (cached_repository.py), on every order."""

    _pending_events: list[DomainEvent]  # mixed into Aggregate, which sets it

    def __deepcopy__(self, memo: dict) -> Self:
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone
