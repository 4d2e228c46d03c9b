"""Reads of the read endpoints from a PostgreSQL streaming replica (docs/decisions/021).

A read view runs inside `served_by_replica`: it picks one database for the whole request (a
replica in rotation, round robin, else the primary) and, inside, the router sends the reads of
the read tables (`read_*`: rows and projection checkpoints) there, and `read_connection()` is
that database's connection for the selectors that write SQL themselves. The checkpoint and the
rows of one request come from the same server, so a position read there says how new the rows
are. Everything else (appends, the event store's reads, projectors, checkpoints' writes,
commands, staff writes, the notifier, heartbeats, health, metrics, migrations) stays on the
primary: outside the scope the router says nothing and Django uses `default`.

A replica that fails under a read (a connection error) is taken out of rotation and the read
runs again, once, on the primary; so does a read whose `min_position` the replica did not reach
within the wait. Both are safe because a read view writes nothing. May import Django, psycopg
and query_side's own modules.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import django.db
import psycopg
from django.db import DEFAULT_DB_ALIAS, connections

from .errors import ProjectionBehind
from .replica_rotation import ROTATION

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Connection failures of a replica: retried on the primary. A query error (a bug) and the
# request's deadline (TimeoutError) are not: the primary would fail them the same way.
REPLICA_FAILURES = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
READ_TABLE_PREFIX = "read_"

_read_alias: ContextVar[str | None] = ContextVar("read_alias", default=None)


class ReadReplicaRouter:
    """Inside a replica-reads scope, reads of read tables go to the scope's database; writes and
    migrations always go to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = _read_alias.get()
        if alias is not None and model._meta.db_table.startswith(READ_TABLE_PREFIX):
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS  # even for a row read from a replica

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias holds the same tables

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # a replica is read-only: it gets the primary's DDL by WAL


def read_alias() -> str:
    """The database this read is served from (the primary outside a replica-reads scope)."""
    return _read_alias.get() or DEFAULT_DB_ALIAS


def read_connection() -> Any:
    """The connection of `read_alias()`: for SQL written by hand in the selectors."""
    return connections[read_alias()]


def reading_from_replica() -> bool:
    return read_alias() != DEFAULT_DB_ALIAS


@contextlib.contextmanager
def replica_reads(alias: str) -> Iterator[None]:
    token = _read_alias.set(alias)
    try:
        yield
    finally:
        _read_alias.reset(token)


def served_by_replica(read: Callable[[], T]) -> T:
    """`read()` on a replica in rotation (else the primary); on a replica's connection failure,
    that replica leaves the rotation and `read()` runs again on the primary."""
    alias = ROTATION.choose()
    try:
        with replica_reads(alias):
            return read()
    except REPLICA_FAILURES as error:
        if alias == DEFAULT_DB_ALIAS or not connections[alias].errors_occurred:
            raise  # the primary's own failure (the event store, a heartbeat): not the replica's
        ROTATION.take_out(alias, f"{type(error).__name__}: {error}".strip())
        logger.warning("replica %s failed a read (%r): reading from the primary", alias, error)
        with contextlib.suppress(Exception):  # broken already: Django must not reuse it
            connections[alias].close()
    except ProjectionBehind as behind:
        if alias == DEFAULT_DB_ALIAS:
            raise
        # Behind, not broken: the prober judges its lag. The primary usually has the position
        # already; if not, the read waits there for what is left of its wait (one budget per
        # request, api.views.queries.ReadApi.fresh_enough) and answers 503 as without replicas.
        logger.info(
            "replica %s did not reach position %s in time: reading from the primary",
            alias,
            behind.position,
        )
    with replica_reads(DEFAULT_DB_ALIAS):
        return read()
