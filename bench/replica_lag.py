"""Replication lag as a client sees it: how long after the primary has written WAL up to a
position the replica has replayed it.

A sampler thread asks, in turn and every few milliseconds, the primary for
`pg_current_wal_lsn()` and the replica for `pg_last_wal_replay_lsn()`. The lag of a primary
sample (t, L) is the time from t to the first replica sample taken after t that had replayed L:
exact up to the sampling interval, and a caught-up replica shows the time between two queries.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Sequence

import psycopg

PRIMARY_LSN = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
REPLAYED_LSN = "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
Sample = tuple[float, int]  # (perf_counter seconds, WAL position in bytes)


def replay_lags_ms(primary: Sequence[Sample], replica: Sequence[Sample]) -> list[float]:
    """For every primary sample whose position moved since the one before (the primary wrote),
    the ms until a later replica sample had replayed that position; samples the replica never
    reached within the sampling are left out (count them with `unreached`)."""
    times = [t for t, _ in replica]
    # The running maximum: the first replica sample at or beyond a position is found by bisection.
    reached, highest = [], -1
    for _, lsn in replica:
        highest = max(highest, lsn)
        reached.append(highest)
    lags, previous = [], None
    for t, lsn in primary:
        if previous is not None and lsn > previous:
            first_after = bisect.bisect_right(times, t)
            index = bisect.bisect_left(reached, lsn, lo=first_after)
            if index < len(reached):
                lags.append((times[index] - t) * 1000)
        previous = lsn
    return lags


def unreached(primary: Sequence[Sample], replica: Sequence[Sample]) -> int:
    """Primary samples with writes the replica had not replayed by its last sample."""
    last = max((lsn for _, lsn in replica), default=-1)
    return sum(1 for _, lsn in primary if lsn > last)


class LagSampler:
    """Samples both servers on a thread of its own until `stop()`."""

    def __init__(self, primary_url: str, replica_url: str, interval_s: float = 0.005) -> None:
        self.urls, self.interval = (primary_url, replica_url), interval_s
        self.primary: list[Sample] = []
        self.replica: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="lag-sampler", daemon=True)

    def start(self) -> LagSampler:
        self._thread.start()
        return self

    def _sample(self) -> None:
        with (
            psycopg.connect(self.urls[0], autocommit=True) as primary,
            psycopg.connect(self.urls[1], autocommit=True) as replica,
        ):
            while not self._stop.is_set():
                self.primary.append((time.perf_counter(), _lsn(primary, PRIMARY_LSN)))
                self.replica.append((time.perf_counter(), _lsn(replica, REPLAYED_LSN)))
                time.sleep(self.interval)

    def stop(self) -> list[float]:
        """Stop sampling; the lags (ms) of the primary's writes."""
        self._stop.set()
        self._thread.join(10)
        return replay_lags_ms(self.primary, self.replica)


def _lsn(conn: psycopg.Connection, statement: str) -> int:
    row = conn.execute(statement).fetchone()
    return int(row[0]) if row and row[0] is not None else -1
