"""`manage.py migrate` creates the event store's schema; serving processes build the application
without DDL and fail clearly on a database nobody migrated.

Concurrent creation must take turns (events/schema_lock.py): without the lock, 19 of 32
concurrent constructions failed on a fresh PostgreSQL database (a duplicate row type, "tuple
concurrently updated")."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from django.core.management import call_command
from psycopg import sql

from aforro_backend import composition
from events.config import event_store_config, postgres_conninfo
from events.store import EventStoreApplication, EventStoreConfig, application_env, create_schema
from events.store_schema import EventStoreNotMigrated
from tests.conftest import on_event_store_tables

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Every object of the store in a PostgreSQL schema: tables, their row type, the append function.
STORE_OBJECTS = (
    "SELECT count(*) FROM pg_class WHERE relname IN ('aforro_events', 'aforro_snapshots') "
    "UNION ALL SELECT count(*) FROM pg_type WHERE typname = 'stored_event_uuid' "
    "UNION ALL SELECT count(*) FROM pg_proc WHERE proname = 'aforro_append_events'"
)


@pytest.fixture
def fresh_database(db):
    """A PostgreSQL database of this test's own, never migrated (dropped afterwards)."""
    server = event_store_config().postgres
    # Named after the test database: the suite's connections are counted by that prefix.
    name = f"{server['dbname']}_schema_{uuid4().hex[:10]}"
    with psycopg.connect(postgres_conninfo(event_store_config()), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield {**server, "dbname": name}
        finally:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))


REFUSE_DDL = (
    "CREATE FUNCTION refuse_ddl() RETURNS event_trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'DDL issued: %', tg_tag; END $$; "
    "CREATE EVENT TRIGGER refuse_ddl ON ddl_command_start EXECUTE FUNCTION refuse_ddl()"
)


def store_objects(config: EventStoreConfig) -> list[int]:
    with psycopg.connect(postgres_conninfo(config), autocommit=True) as conn:
        return [n for (n,) in conn.execute(STORE_OBJECTS)]


def build(config: EventStoreConfig) -> None:
    EventStoreApplication(env=application_env(config)).close()


@pytest.mark.postgres
def test_an_unmigrated_postgres_database_fails_clearly_and_gets_no_ddl(fresh_database):
    config = EventStoreConfig(fresh_database)
    with pytest.raises(EventStoreNotMigrated, match=re.escape("run `python manage.py migrate`")):
        build(config)
    assert store_objects(config) == [0, 0, 0]  # nothing created: not a table, type or function
    create_schema(config)
    assert store_objects(config) == [2, 1, 1]
    build(config)


@pytest.mark.postgres
def test_building_the_application_on_a_migrated_database_issues_no_ddl(fresh_database):
    config = EventStoreConfig(fresh_database)
    create_schema(config)
    with psycopg.connect(postgres_conninfo(config), autocommit=True) as conn:
        conn.execute(REFUSE_DDL)  # from here on, any DDL in this database fails
    build(config)
    with pytest.raises(Exception, match="DDL issued"):  # the trigger does refuse DDL
        create_schema(config)


def test_an_unmigrated_sqlite_file_fails_clearly_until_the_schema_is_created(tmp_path: Path):
    config = EventStoreConfig(sqlite_path=str(tmp_path / "events.sqlite3"))
    with pytest.raises(EventStoreNotMigrated, match=r"stored_events, stored_snapshots"):
        build(config)
    create_schema(config)
    build(config)


@pytest.mark.postgres
def test_schema_creations_at_once_on_a_fresh_store_all_succeed(fresh_database):
    errors: list[BaseException] = []

    def create() -> None:
        try:
            create_schema(EventStoreConfig(fresh_database))
        except Exception as error:  # collected: the assertion below names them
            errors.append(error)

    for _ in range(3):
        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_migrate_creates_the_event_store_tables_again_when_they_are_gone(ctx):
    on_event_store_tables(ctx, "DROP TABLE {tables}", "DROP TABLE {table}")
    composition.reset()
    with pytest.raises(EventStoreNotMigrated):
        composition.command_context()
    call_command("migrate", verbosity=0)
    assert composition.command_context().app.recorder.max_notification_id() is None
