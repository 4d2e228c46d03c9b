"""Reading the event store's notification log: positions in commit order, decoded on demand.

The PostgreSQL recorder takes a table lock for each insert, so notification ids become visible
in commit order and a reader that resumes after its checkpoint never skips a late commit. Do not
enable POSTGRES_ENABLE_DB_FUNCTIONS: its insert path drops that lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification


@dataclass(frozen=True)
class Batch:
    """Notifications after a position: the decoded events a projector wants, and where it ends."""

    events: list[tuple[int, DomainEvent]]
    last_position: int
    last_event: DomainEvent | None
    size: int


class EventSource:
    """One worker step makes one of these: projectors at the same checkpoint (the usual case)
    then share one read of the log instead of each selecting the same notifications."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self._last_read: tuple[tuple[int, int], Sequence[Notification]] | None = None

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def read(self, after: int, limit: int, topics: frozenset[str]) -> Batch:
        notifications = self._select(after, limit)
        if not notifications:
            return Batch([], after, None, 0)
        decode = self.app.mapper.to_domain_event
        events = [(n.id, decode(n)) for n in notifications if n.topic in topics]
        last = notifications[-1]
        last_event = events[-1][1] if events and events[-1][0] == last.id else decode(last)
        return Batch(events, last.id, last_event, len(notifications))

    def _select(self, after: int, limit: int) -> Sequence[Notification]:
        if self._last_read is not None and self._last_read[0] == (after, limit):
            return self._last_read[1]
        notifications = self.app.recorder.select_notifications(start=after + 1, limit=limit)
        # An empty read is not kept: events may be appended before the next call.
        self._last_read = ((after, limit), notifications) if notifications else None
        return notifications
