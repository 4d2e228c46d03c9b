"""Writer serialisation per stock item, taken before loading so hot items queue, not collide.

Optimistic concurrency (expected versions in the event store) stays the correctness guard; the
locks only stop many writers of one hot item from turning into a retry storm, so they are taken
only for items that conflicted recently (contention.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol
from uuid import UUID

import psycopg

from events import deadline


class WriterLocks(Protocol):
    def hold(self, aggregate_ids: Iterable[UUID]) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


class NoWriterLocks:
    """For SQLite: the database already admits one writer at a time."""

    @contextmanager
    def hold(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass


def lock_keys(aggregate_ids: Iterable[UUID]) -> list[int]:
    """64-bit advisory lock keys in one global order, so two writers can never deadlock."""
    return sorted({int.from_bytes(i.bytes[:8], "big", signed=True) for i in aggregate_ids})


CONNECT_TIMEOUT = 5  # seconds, for commands run outside a request (which have no deadline)


class AdvisoryWriterLocks:
    """PostgreSQL session advisory locks on a connection of each thread's own.

    A dedicated connection (not the event store's pool): a thread waiting on a lock must not
    hold a pooled connection that the lock holder needs to save.
    """

    def __init__(self, conninfo: str, lock_timeout_ms: int = 5000) -> None:
        self._conninfo = conninfo
        self._lock_timeout_ms = lock_timeout_ms
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            timeout = deadline.connect_timeout(CONNECT_TIMEOUT)
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=timeout,
                options=f"-c lock_timeout={int(self._lock_timeout_ms)}",
            )
            self._local.conn = conn
        return conn

    @contextmanager
    def hold(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        keys = lock_keys(aggregate_ids)
        conn = self._connection()
        try:
            # A lock wait counts against the request's deadline like any other wait.
            with deadline.watching(lambda: conn):
                # unnest yields the sorted keys in array order: locks are taken in that order.
                conn.execute("SELECT pg_advisory_lock(k) FROM unnest(%s::bigint[]) AS k", (keys,))
        except (psycopg.Error, deadline.DeadlineExceeded):
            self._discard(conn)
            raise
        try:
            yield
        finally:
            self._unlock(conn)

    def _unlock(self, conn: psycopg.Connection) -> None:
        try:
            with deadline.watching(lambda: conn):
                conn.execute("SELECT pg_advisory_unlock_all()")
        except (psycopg.Error, deadline.DeadlineExceeded):
            self._discard(conn)  # the server drops a closed session's locks

    def close(self) -> None:
        """Close this thread's connection (other threads' close when they end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._discard(conn)

    def _discard(self, conn: psycopg.Connection) -> None:
        conn.close()
        self._local.conn = None
