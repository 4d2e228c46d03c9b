"""The eventsourcing Application of the order service and how it is configured.

One application, one table of stored events ("aforro_events"): PostgreSQL beside the read tables
in the same database, or a SQLite file in the embedded mode. `manage.py migrate` creates the
tables (`create_schema`); every other process builds the application without DDL and fails
clearly if they are missing (store_schema.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, Mapper
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.utils import Environment, strtobool

from . import catalog, orders, stock  # noqa: F401  (registers every topic before a read)
from .base import Snapshot
from .correlation import CorrelatingMapper
from .deadline import bind_pool
from .schema_lock import schema_lock
from .snapshots import CurrentSnapshotStore
from .store_schema import check_schema

APPLICATION_NAME = "Aforro"
EVENTS_TABLE = "aforro_events"


@dataclass(frozen=True)
class EventStoreConfig:
    """Where events live: `postgres` (dbname, host, port, user, password) or `sqlite_path`."""

    postgres: dict[str, Any] | None = None
    sqlite_path: str = ""
    pool_size: int = 5
    # How long a command waits for a pooled connection (and a new connection for its server)
    # before failing with a 503: short, so a database outage answers fast instead of piling up.
    pool_wait_seconds: int = 2  # whole seconds: the library reads an integer
    aggregate_cache_maxsize: int = 20000

    @property
    def is_postgres(self) -> bool:
        return self.postgres is not None


class EventStoreApplication(Application):
    """Persistence wiring shared by the command side (saving) and projections (reading)."""

    name = APPLICATION_NAME
    snapshot_class = Snapshot

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = env or {}
        creating = strtobool(env.get("CREATE_TABLE") or "yes")
        # Creating the tables: one process at a time (PostgreSQL fails concurrent DDL).
        with schema_lock(env) if creating else nullcontext():
            super().__init__(env)
        if not creating:
            try:
                check_schema(self)
            except BaseException:
                self.close()
                raise

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        """The library's factory, with the PostgreSQL pool keeping each request's deadline."""
        factory = super().construct_factory(env)
        datastore = getattr(factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            bind_pool(datastore.pool)
        return factory

    def construct_mapper(self) -> Mapper:
        """The library's mapper, stamping each stored event with its correlation metadata."""
        return self.factory.mapper(self.construct_transcoder(), mapper_class=CorrelatingMapper)

    def construct_snapshot_store(self) -> CurrentSnapshotStore:
        """The library's snapshot store, blind to snapshots of an older state shape."""
        store = super().construct_snapshot_store()
        return CurrentSnapshotStore(mapper=store.mapper, recorder=store.recorder)


def create_schema(config: EventStoreConfig) -> None:
    """Create the event store's tables, types and functions, or bring them up to date
    (idempotent: IF NOT EXISTS, CREATE OR REPLACE). `manage.py migrate` runs it."""
    EventStoreApplication(env=application_env(config, create_tables=True)).close()


def application_env(config: EventStoreConfig, create_tables: bool = False) -> dict[str, str]:
    """The eventsourcing environment variables for `config` (never read from os.environ).
    Without `create_tables`, building the application issues no DDL (it checks instead)."""
    env = {
        "CREATE_TABLE": "y" if create_tables else "n",
        "IS_SNAPSHOTTING_ENABLED": "y",
        "AGGREGATE_CACHE_MAXSIZE": str(config.aggregate_cache_maxsize),
    }
    if config.postgres is not None:
        pg = config.postgres
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=str(pg["dbname"]),
            POSTGRES_HOST=str(pg.get("host") or "127.0.0.1"),
            POSTGRES_PORT=str(pg.get("port") or 5432),
            POSTGRES_USER=str(pg.get("user") or "postgres"),
            POSTGRES_PASSWORD=str(pg.get("password") or ""),
            POSTGRES_POOL_SIZE=str(config.pool_size),
            POSTGRES_MAX_OVERFLOW=str(config.pool_size * 2),
            POSTGRES_CONNECT_TIMEOUT=str(config.pool_wait_seconds),
            # No ping per checkout (a round trip each); the library retries broken connections.
            POSTGRES_PRE_PING="n",
            POSTGRES_ENABLE_DB_FUNCTIONS="n",
            # One prepared call per append, table lock included (postgres_recorder.py).
            APPLICATION_RECORDER_TOPIC="events.postgres_recorder:LockedAppendRecorder",
        )
        # POSTGRES_ENABLE_DB_FUNCTIONS stays off: its insert path skips the table lock that
        # keeps notification ids in commit order, and a tailing reader then misses events.
    else:
        env.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=config.sqlite_path)
    return env
