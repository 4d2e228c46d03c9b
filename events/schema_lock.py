"""One process at a time creates the event store's tables, types and functions.

Only `manage.py migrate` creates them now (events/store.py `create_schema`; serving processes
build the application with the library's CREATE_TABLE off). Two migrates at once (two deploys,
a compose `migrate` beside a manual one) would still make PostgreSQL fail one of them ("tuple
concurrently updated" on the append function, a duplicate row type), as every new serving
process once did on its first request. A session advisory lock, held on a connection of its
own while the schema is created, makes them take turns.
May import only the standard library, psycopg and this package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo

from . import deadline

SCHEMA_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"aforro-event-store-schema").digest()[:8], "big", signed=True
)


@contextmanager
def schema_lock(env: Mapping[str, str]) -> Iterator[None]:
    """Hold the schema lock for the block (PostgreSQL only: SQLite has one writer anyway)."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    params = {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env.get("POSTGRES_HOST"),
        "port": env.get("POSTGRES_PORT"),
        "user": env.get("POSTGRES_USER"),
        "password": env.get("POSTGRES_PASSWORD"),
    }
    conninfo = make_conninfo(**{k: v for k, v in params.items() if v})
    timeout = deadline.connect_timeout(5)
    # Closing the connection releases the lock, whatever happens inside the block.
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=timeout) as conn:
        with deadline.watching(lambda: conn):
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        yield
