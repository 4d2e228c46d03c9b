"""One-row reads of an aggregate's stored events: the topic it starts with, its newest version.

Both go through the recorder's `select_events` with a LIMIT of 1 on the primary key
(originator_id, originator_version), so they cost the same for 5 events or 500,000, and they
decode nothing.
"""

from uuid import UUID

from eventsourcing.application import Application


def first_topic(app: Application, aggregate_id: UUID) -> str | None:
    """The topic of the aggregate's version 1 (None when it has no events): tells its kind."""
    rows = app.recorder.select_events(aggregate_id, lte=1, limit=1)
    return rows[0].topic if rows else None


def current_version(app: Application, aggregate_id: UUID) -> int:
    """The aggregate's newest stored version (0 when it has no events): versions run 1..n."""
    rows = app.recorder.select_events(aggregate_id, desc=True, limit=1)
    return rows[0].originator_version if rows else 0
