"""Status of every projection and the notifier: checkpoint, event store head, lag, whether a worker
holds it, and the worker its heartbeat names (host:pid) with the heartbeat's age."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg
from django.utils import timezone

from events.config import event_store_config, event_store_reader, postgres_conninfo
from query_side.selectors.projection_progress import heartbeats, projection_lags

from .leadership import projection_lock_key
from .registry import projection_names


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float | None  # None: unknown (the checkpoint records no event time)
    held: bool | None  # None where unknowable (SQLite: the in-process worker, if any)
    holder: str | None  # host:pid of the worker's last heartbeat; None if none ever beat
    heartbeat_age_seconds: float | None

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
    names = names or projection_names()
    head, head_time = head_and_time()
    held, beats, now = held_projections(names), heartbeats(names), timezone.now()
    return [
        ProjectionStatus(
            lag.name,
            lag.position,
            lag.head,
            lag.lag_events,
            lag.lag_seconds,
            held[lag.name],
            beats[lag.name][0] if lag.name in beats else None,
            (now - beats[lag.name][1]).total_seconds() if lag.name in beats else None,
        )
        for lag in projection_lags(names, head, head_time)
    ]
