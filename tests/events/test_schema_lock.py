"""New processes build the event store application at once (gunicorn workers on their first
request) and each creates the store's tables and functions: they must take turns, or PostgreSQL
fails some of them (a duplicate row type, "tuple concurrently updated"). Without the lock, 19 of
32 such constructions failed here on a fresh database."""

from __future__ import annotations

import threading
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from aforro_backend.event_store import event_store_config, postgres_conninfo
from events.store import EventStoreApplication, EventStoreConfig, application_env

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def fresh_database(db):
    """A database of this test's own, without the event store's tables (dropped afterwards)."""
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


def test_applications_built_at_once_on_a_fresh_store_all_succeed(fresh_database):
    errors: list[BaseException] = []

    def build() -> None:
        try:
            EventStoreApplication(env=application_env(EventStoreConfig(fresh_database))).close()
        except Exception as error:  # collected: the assertion below names them
            errors.append(error)

    for _ in range(3):
        threads = [threading.Thread(target=build) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
