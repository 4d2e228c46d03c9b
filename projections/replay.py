"""Rebuilding read tables from position 0.

`rebuild` is zero-downtime: it deletes and refolds inside one transaction holding the
projection's checkpoint lock, so readers keep seeing the old rows (MVCC on PostgreSQL, WAL
snapshots on SQLite) until the rebuilt ones commit all at once, and the live worker waits on the
checkpoint lock and then resumes after the rebuilt position. `rebuild_in_place` truncates first
and replays in batches of their own transactions (faster, tables are partial meanwhile).
Only read models replay: the notifier is never a projector here, so no side effect repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from query_side.cache_keys import bump_generation

from .base import Projector, clear_tables
from .batches import fold_after_checkpoint, process_batch
from .checkpoints import locked_checkpoint
from .source import EventSource

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ReplayResult:
    name: str
    events: int
    position: int


def rebuild(
    projector: Projector, source: EventSource, batch_size: int, progress: Progress
) -> ReplayResult:
    total = 0
    with transaction.atomic():
        checkpoint = locked_checkpoint(projector.name)
        clear_tables(projector)
        checkpoint.position = 0
        while True:
            processed, _ = fold_after_checkpoint(projector, source, checkpoint, batch_size)
            total += processed
            progress(processed)
            if processed < batch_size:
                break
        position = checkpoint.position
    bump_generation()
    analyze(projector)
    return ReplayResult(projector.name, total, position)


def rebuild_in_place(
    projector: Projector, source: EventSource, batch_size: int, progress: Progress
) -> ReplayResult:
    with transaction.atomic():
        checkpoint = locked_checkpoint(projector.name)
        clear_tables(projector)
        checkpoint.position = 0
        checkpoint.event_time = None
        checkpoint.save()
    bump_generation()
    total = 0
    while True:
        result = process_batch(projector, source, batch_size)
        total += result.processed
        progress(result.processed)
        if result.processed < batch_size:
            analyze(projector)
            return ReplayResult(projector.name, total, result.position)


def analyze(projector: Projector) -> None:
    """Fresh planner statistics: a table rebuilt in bulk otherwise keeps stale ones until
    autovacuum passes, and search plans fall back to sequential scans."""
    with connection.cursor() as cursor:
        for table in projector.tables:
            cursor.execute(f"ANALYZE {table._meta.db_table}")
