"""One deadline per request for everything it waits on in PostgreSQL.

The edge opens a deadline for each request. Code that waits on the database asks what is left
(pool checkouts, new connections, retries) and registers the connections it is using, so that a
watchdog can cut them once the deadline has passed. Cutting is the only bound that holds in a
partition: a query on a frozen server, or behind a link that stopped forwarding, waits in recv()
for ever, because the peer's kernel still acknowledges every packet (no TCP timeout of libpq's
fires) and a cancel request would wait on the same frozen server.

Plain Python and psycopg: code outside a request (projectors, commands) has no deadline and
waits as before. May import only the standard library and psycopg.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)

# A source gives the connection to cut when the deadline passes (None: nothing open now).
ConnectionSource = Callable[[], Any]


class DeadlineExceeded(TimeoutError):
    """The database did not answer within the request's deadline: an outage, not a bug.

    Not a psycopg or eventsourcing error on purpose: the library retries those, and nothing
    may retry past the deadline."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sources: dict[int, ConnectionSource] = {}

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def check(self) -> None:
        if self.expired or self.remaining() <= 0:
            raise DeadlineExceeded(f"no answer from the database within {self.seconds:g} s")

    @contextlib.contextmanager
    def watching(self, source: ConnectionSource) -> Iterator[None]:
        """While inside, the connection `source` gives is cut once the deadline passes."""
        self.check()
        self.watch(id(source), source)
        try:
            yield
        finally:
            self.unwatch(id(source))

    def watch(self, key: int, source: ConnectionSource) -> None:
        with _watchdog.lock:
            self._sources[key] = source
            if self.expired:  # the watchdog has been and gone: cut it now
                _shutdown(source())

    def unwatch(self, key: int) -> None:
        with _watchdog.lock:
            self._sources.pop(key, None)

    def cut(self) -> None:
        """Called by the watchdog, holding its lock: shut down every watched socket."""
        self.expired = True
        for source in self._sources.values():
            _shutdown(source())


def _shutdown(conn: Any) -> None:
    """Shut the socket down under libpq's feet: its blocked read returns, the query fails with
    a connection error and the pool or Django discards the connection."""
    try:
        if conn is None or conn.closed:
            return
        fd = conn.pgconn.socket
    except Exception:  # closed meanwhile: nothing to cut
        return
    # shutdown() acts on the socket, not the descriptor: the duplicate is closed right after.
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread per process that cuts the connections of requests past their deadline."""

    TICK = 0.05  # seconds: how late past a deadline a connection may be cut

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._active: set[Deadline] = set()
        self._pid = 0

    def add(self, deadline: Deadline) -> None:
        with self.lock:
            if self._pid != os.getpid():  # threads do not survive fork(): start one here
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="db-deadline", daemon=True).start()
            self._active.add(deadline)

    def discard(self, deadline: Deadline) -> None:
        with self.lock:
            self._active.discard(deadline)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self.lock:
                for deadline in [d for d in self._active if d.at <= now]:
                    logger.warning("database deadline of %g s passed: cutting", deadline.seconds)
                    deadline.cut()
                    self._active.discard(deadline)


_watchdog = _Watchdog()
_current: ContextVar[Deadline | None] = ContextVar("database_deadline", default=None)


@contextlib.contextmanager
def request_deadline(seconds: float) -> Iterator[Deadline]:
    """Everything this thread waits on in PostgreSQL inside the block shares one deadline."""
    deadline = Deadline(seconds)
    token = _current.set(deadline)
    _watchdog.add(deadline)
    try:
        yield deadline
    finally:
        _watchdog.discard(deadline)
        _current.reset(token)


def current() -> Deadline | None:
    return _current.get()


@contextlib.contextmanager
def watching(source: ConnectionSource) -> Iterator[None]:
    """Watch a connection if this thread has a deadline; otherwise do nothing."""
    deadline = _current.get()
    if deadline is None:
        yield
        return
    with deadline.watching(source):
        yield


def wait_seconds(default: float) -> float:
    """How long to wait for something (a pooled connection): the default, or less if the
    deadline is nearer. Raises DeadlineExceeded when nothing is left."""
    deadline = _current.get()
    if deadline is None:
        return default
    deadline.check()
    return min(default, deadline.remaining())


def connect_timeout(default: int) -> int:
    """libpq's connect_timeout for a new connection: whole seconds, at least 2 (libpq and psycopg
    round anything lower up to 2), so with under a second left no connection is started."""
    deadline = _current.get()
    if deadline is None:
        return default
    left = deadline.remaining()
    if deadline.expired or left < 1:
        raise DeadlineExceeded(f"no answer from the database within {deadline.seconds:g} s")
    return max(2, min(default, math.ceil(left)))


def bind_pool(pool: Any) -> None:
    """Make a psycopg_pool pool keep the deadline: a checkout waits at most what is left, and a
    checked-out connection is watched until it goes back.

    The eventsourcing library builds its pool itself and offers no hook around checkouts, so the
    pool's own getconn/putconn are wrapped on this one instance.
    """
    getconn, putconn = pool.getconn, pool.putconn
    checked_out: dict[int, Deadline] = {}

    def deadline_getconn(timeout: float | None = None) -> Any:
        deadline = _current.get()
        if deadline is None:
            return getconn(timeout)
        conn = getconn(wait_seconds(timeout or pool.timeout))
        checked_out[id(conn)] = deadline
        deadline.watch(id(conn), lambda: conn)
        return conn

    def deadline_putconn(conn: Any) -> None:
        deadline = checked_out.pop(id(conn), None)
        if deadline is not None:
            deadline.unwatch(id(conn))
        putconn(conn)

    pool.getconn, pool.putconn = deadline_getconn, deadline_putconn
