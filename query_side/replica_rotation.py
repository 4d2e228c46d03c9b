"""Which replicas serve reads: a prober thread per process checks each one about every second
(reachable, and how far its replay is behind) and keeps those answering within
REPLICA_MAX_LAG_SECONDS in rotation; reads take them in turn, or the primary when none is.

Lag is `now() - pg_last_xact_replay_timestamp()` while the replica has received WAL it has not
replayed yet; a replica that has replayed everything it received is caught up (lag 0), however
long ago the primary last committed. The prober starts on first use in each process (a forked
gunicorn worker starts its own) and probes every replica once before the first read, so a
worker never guesses. Probes run on connections of their own, with every wait bounded
(PROBE_TIMEOUT): a frozen replica costs the prober a second, never a request. May import
Django, psycopg and the standard library.
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from psycopg import pq
from psycopg.conninfo import make_conninfo

from .replica_metrics import record_replica

logger = logging.getLogger(__name__)

PROBE_INTERVAL = 1.0  # seconds between two rounds of probes
PROBE_TIMEOUT = 1.0  # seconds a probe may wait for a replica's answer
CONNECT_TIMEOUT = 2.0  # seconds a probe may take to (re)connect
LAG_QUERY = b"""
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"""


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    in_rotation: bool
    lag_seconds: float | None  # None: unknown (not answering, or nothing replayed yet)
    error: str | None  # why it is out of rotation; None while in


class ProbeFailed(Exception):
    pass


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class Prober:
    """One replica's probe connection (libpq's own, outside Django and its request deadline),
    reopened after any failure."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._conn: pq.PGconn | None = None

    def probe(self, max_lag: float) -> ReplicaState:
        try:
            in_recovery, lag = self._lag()
        except Exception as error:  # ProbeFailed, or libpq's own (a broken connection)
            self.close()
            return ReplicaState(self.alias, False, None, str(error) or repr(error))
        if not in_recovery:
            return ReplicaState(self.alias, False, None, "not a standby (promoted?)")
        if lag is None:
            return ReplicaState(self.alias, False, None, "replay position unknown")
        if lag > max_lag:
            return ReplicaState(self.alias, False, lag, f"lag {lag:.1f} s over {max_lag:g} s")
        return ReplicaState(self.alias, True, lag, None)

    def _lag(self) -> tuple[bool, float | None]:
        conn = self._connect()
        conn.send_query(LAG_QUERY)  # raises psycopg.OperationalError if it cannot
        deadline = time.monotonic() + PROBE_TIMEOUT
        while conn.is_busy():
            if not _ready(conn.socket, select.POLLIN, deadline):
                raise ProbeFailed(f"no answer within {PROBE_TIMEOUT:g} s")
            conn.consume_input()
        result = conn.get_result()
        while conn.get_result() is not None:  # drain: the connection must be idle again
            pass
        if result is None or result.status != pq.ExecStatus.TUPLES_OK:
            raise ProbeFailed(_message(conn, "the probe failed"))
        recovery, lag = result.get_value(0, 0), result.get_value(0, 1)
        return recovery == b"t", None if lag is None else max(float(lag), 0.0)

    def _connect(self) -> pq.PGconn:
        if self._conn is not None and self._conn.status == pq.ConnStatus.OK:
            return self._conn
        self.close()
        database = settings.DATABASES[self.alias]
        conninfo = make_conninfo(
            host=database["HOST"],
            port=database["PORT"] or None,
            dbname=database["NAME"],
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            application_name="aforro-replica-probe",
        )
        conn = pq.PGconn.connect_start(conninfo.encode())
        try:
            _poll_connect(conn, CONNECT_TIMEOUT)
        except Exception:
            conn.finish()
            raise
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.finish()
            self._conn = None


def _poll_connect(conn: pq.PGconn, timeout: float) -> None:
    """libpq's asynchronous connect, waited for in poll(): its blocking connect holds the
    GIL for as long as it waits (psycopg's C build), which would freeze the whole worker,
    request threads and the deadline's watchdog included, behind a frozen replica."""
    deadline = time.monotonic() + timeout
    status = pq.PollingStatus.WRITING
    while status != pq.PollingStatus.OK:
        if status == pq.PollingStatus.FAILED:
            raise ProbeFailed(_message(conn, "could not connect"))
        wanted = select.POLLIN if status == pq.PollingStatus.READING else select.POLLOUT
        if not _ready(conn.socket, wanted, deadline):
            raise ProbeFailed(f"could not connect within {timeout:g} s")
        status = conn.connect_poll()


def _ready(fd: int, events: int, deadline: float) -> bool:
    """Whether `fd` is ready for `events` before `deadline` (poll(), not select(): select
    refuses descriptors above 1023)."""
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(left * 1000))


def _message(conn: pq.PGconn, fallback: str) -> str:
    text = conn.error_message.decode(errors="replace").strip()
    return text.splitlines()[0] if text else fallback


class Rotation:
    """The replicas this process reads from, kept current by its prober thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ReplicaState] = {}
        self._turn = itertools.count()
        self._pid = 0

    def choose(self) -> str:
        """The alias a read should use: the next replica in rotation, else the primary."""
        self.ensure_started()
        with self._lock:
            serving = [s.alias for s in self._states.values() if s.in_rotation]
            return serving[next(self._turn) % len(serving)] if serving else DEFAULT_DB_ALIAS

    def states(self) -> list[ReplicaState]:
        self.ensure_started()
        with self._lock:
            return [self._states[alias] for alias in sorted(self._states)]

    def take_out(self, alias: str, error: str) -> None:
        """A read found this replica failing: out until the prober finds it well again."""
        with self._lock:
            self._states[alias] = ReplicaState(alias, False, None, error)
            record_replica(alias, False, None)
        logger.warning("replica %s out of rotation: %s", alias, error)

    def ensure_started(self) -> None:
        """Probe once and start the prober thread, once per process (threads do not survive
        fork(): a gunicorn worker starts its own)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            aliases = replica_aliases()
            probers = [Prober(alias) for alias in aliases]
            self._record([p.probe(settings.REPLICA_MAX_LAG_SECONDS) for p in probers])
            self._pid = os.getpid()
        if probers:
            thread = threading.Thread(
                target=self._run, args=(probers,), name="replica-prober", daemon=True
            )
            thread.start()

    def _run(self, probers: list[Prober]) -> None:
        while True:
            time.sleep(PROBE_INTERVAL)
            try:
                states = [p.probe(settings.REPLICA_MAX_LAG_SECONDS) for p in probers]
                with self._lock:
                    self._record(states)
            except Exception:  # never let the rotation freeze: log it and probe again
                logger.exception("probing the replicas failed")

    def _record(self, states: list[ReplicaState]) -> None:
        """Called holding the lock; logs every change of rotation."""
        for state in states:
            old = self._states.get(state.alias)
            was_in = old.in_rotation if old is not None else True  # a first probe logs an "out"
            if was_in != state.in_rotation:
                if state.in_rotation:
                    logger.info(
                        "replica %s back in rotation (lag %.2f s)", state.alias, state.lag_seconds
                    )
                else:
                    logger.warning("replica %s out of rotation: %s", state.alias, state.error)
            self._states[state.alias] = state
            record_replica(state.alias, state.in_rotation, state.lag_seconds)


ROTATION = Rotation()
