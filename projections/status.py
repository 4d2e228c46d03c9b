"""Status of every projection: checkpoint, event store head, lag, and whether a worker holds it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg

from events.config import event_store_config, event_store_reader, postgres_conninfo
from query_side.selectors.projection_progress import projection_lags

from .leadership import projection_lock_key
from .registry import read_model_projectors


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    held: bool | None  # None where unknowable (SQLite: the in-process worker, if any)

    def as_dict(self) -> dict:
        return asdict(self)


def head_and_time() -> tuple[int, object]:
    app = event_store_reader()
    head = app.recorder.max_notification_id() or 0
    if head == 0:
        return 0, None
    newest = app.recorder.select_notifications(start=head, limit=1)
    return head, app.mapper.to_domain_event(newest[0]).timestamp if newest else None


def held_projections(names: list[str]) -> dict[str, bool | None]:
    config = event_store_config()
    if not config.is_postgres:
        return dict.fromkeys(names)
    with psycopg.connect(postgres_conninfo(config), autocommit=True) as conn:
        # The shift wraps to the signed bigint the lock was taken with; advisory locks are
        # per database, so other databases' workers on the same server do not count.
        rows = conn.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    held_keys = {row[0] for row in rows}
    return {n: projection_lock_key(n) in held_keys for n in names}


def projection_status(names: list[str] | None = None) -> list[ProjectionStatus]:
    names = names or list(read_model_projectors())
    head, head_time = head_and_time()
    held = held_projections(names)
    return [
        ProjectionStatus(
            lag.name, lag.position, lag.head, lag.lag_events, lag.lag_seconds, held[lag.name]
        )
        for lag in projection_lags(names, head, head_time)
    ]
