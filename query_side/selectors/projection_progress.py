"""How far each projection has got: checkpoints, lag against the event store head, which ones a
live worker advances, and waiting for a position (read-your-writes with `min_position`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from query_side.models import ProjectionCheckpoint, ProjectionHeartbeat


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float | None  # None: unknown (the checkpoint records no event time)


def projection_lags(names: list[str], head: int, head_time: datetime | None) -> list[ProjectionLag]:
    checkpoints = ProjectionCheckpoint.objects.in_bulk(names)
    lags = []
    for name in names:
        checkpoint = checkpoints.get(name)
        position = checkpoint.position if checkpoint else 0
        seconds: float | None = 0.0
        if position < head and head_time is not None:
            since = checkpoint.event_time if checkpoint and checkpoint.event_time else None
            seconds = (head_time - since).total_seconds() if since else None
        lags.append(ProjectionLag(name, position, head, max(head - position, 0), seconds))
    return lags


def projection_position(name: str) -> int:
    """The checkpoint as the database serving this read sees it (a replica's own copy inside a
    replica-reads scope: query_side.read_replicas)."""
    row = ProjectionCheckpoint.objects.filter(name=name).values_list("position", flat=True)
    return next(iter(row), 0)


def primary_projection_position(name: str) -> int:
    """The checkpoint on the primary, wherever this read is served from."""
    rows = ProjectionCheckpoint.objects.using(DEFAULT_DB_ALIAS).filter(name=name)
    return next(iter(rows.values_list("position", flat=True)), 0)


def live_projections(names: list[str]) -> set[str]:
    """The named projections whose worker heartbeat is younger than PROJECTOR_STALE_SECONDS.
    A projection no worker has ever shown it runs is not live."""
    since = timezone.now() - timedelta(seconds=settings.PROJECTOR_STALE_SECONDS)
    seen = ProjectionHeartbeat.objects.filter(name__in=names, seen_at__gte=since)
    return set(seen.values_list("name", flat=True))


def heartbeats(names: list[str]) -> dict[str, tuple[str, datetime]]:
    """The last heartbeat of each named projection that has one: (holder host:pid, seen_at)."""
    beats = ProjectionHeartbeat.objects.filter(name__in=names)
    return {
        name: (holder, seen)
        for name, holder, seen in beats.values_list("name", "holder", "seen_at")
    }


def wait_for_position(
    names: list[str], position: int, timeout: float = 2.0, interval: float = 0.01
) -> bool:
    """True once every named projection has processed `position`; False after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        reached = ProjectionCheckpoint.objects.filter(name__in=names, position__gte=position)
        if reached.count() == len(names):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
