"""The worker's liveness signal: when it last ran each projection it holds (docs/decisions/011).

One upsert into its own table, in autocommit and at most once per interval; never the checkpoint
row, which a replay keeps locked for as long as it runs.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from query_side.models import ProjectionHeartbeat

TABLE = ProjectionHeartbeat._meta.db_table


class Heartbeat:
    def __init__(self, interval: float = 1.0, holder: str | None = None) -> None:
        self.interval = interval
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.recorded: frozenset[str] = frozenset()  # the names of the last beat written
        self._last = float("-inf")

    def beat(self, names: Iterable[str]) -> None:
        """Record `names` as run by this worker now, unless it did less than `interval` ago
        (a projection it has just taken over is recorded at once)."""
        held = frozenset(names)
        now = time.monotonic()
        if not held or (held <= self.recorded and now - self._last < self.interval):
            return
        record(sorted(held), self.holder)
        self.recorded, self._last = held, now


def record(names: list[str], holder: str) -> None:
    """One statement for every name; sorted, so two workers never lock rows in crossed order."""
    connection = connections[DEFAULT_DB_ALIAS]
    seen_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s)"] * len(names))
    sql = (
        f"INSERT INTO {TABLE} (name, seen_at, holder) VALUES {rows} ON CONFLICT (name) "
        "DO UPDATE SET seen_at = excluded.seen_at, holder = excluded.holder"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for name in names for v in (name, seen_at, holder)])
