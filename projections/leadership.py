"""Who runs which projection, and what wakes a worker up.

On PostgreSQL one dedicated connection per worker holds a session advisory lock per projection
it runs (a standby worker keeps trying and takes over when the holder's session ends) and
LISTENs on the event store's channel, which the library NOTIFYs on every append. SQLite has one
process and no notifications: every projection is "held" and the worker polls.
"""

from __future__ import annotations

import hashlib
import logging

import psycopg

logger = logging.getLogger(__name__)


def projection_lock_key(name: str) -> int:
    digest = hashlib.sha256(f"aforro-projection:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeadership:
    def __init__(self, conninfo: str, channel: str) -> None:
        self._conninfo, self._channel = conninfo, channel
        self._conn: psycopg.Connection | None = None
        self.held: set[str] = set()

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self.held.clear()  # a new session holds nothing yet
            self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
            self._conn.execute(f'LISTEN "{self._channel}"')
        return self._conn

    def acquire(self, names: list[str]) -> set[str]:
        """Try to take the projections not yet held; return those this worker now runs."""
        conn = self._connection()
        for name in names:
            if name not in self.held:
                row = conn.execute(
                    "SELECT pg_try_advisory_lock(%s)", (projection_lock_key(name),)
                ).fetchone()
                if row and row[0]:
                    logger.info("projection=%s acquired (this worker is active)", name)
                    self.held.add(name)
        return set(self.held)

    def wait(self, timeout: float) -> None:
        """Return after an append is notified, or after `timeout` seconds."""
        for _ in self._connection().notifies(timeout=timeout, stop_after=1):
            pass

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self.held.clear()


class LocalLeadership:
    """Embedded mode: a single process, so it holds everything and polls."""

    def __init__(self, stop_event) -> None:
        self._stop = stop_event
        self.held: set[str] = set()

    def acquire(self, names: list[str]) -> set[str]:
        self.held = set(names)
        return self.held

    def wait(self, timeout: float) -> None:
        self._stop.wait(timeout)

    def close(self) -> None:
        self.held.clear()
