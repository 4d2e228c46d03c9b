"""Shared fixtures: a fresh event store and command context per test, real services only.

The suite runs twice (README): with DATABASE_URL/REDIS_URL set it uses the real PostgreSQL event
store and Redis; without, the embedded SQLite mode. Tests marked `postgres` need the former.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from aforro_backend import composition
from command_side.context import CommandContext


def is_postgres() -> bool:
    return connections["default"].vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The SQLite run leaves out (deselects, not skips) the tests that need PostgreSQL."""
    if is_postgres():
        return
    kept = [item for item in items if "postgres" not in item.keywords]
    dropped = [item for item in items if "postgres" in item.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def on_event_store_tables(ctx: CommandContext, postgres: str, sqlite: str) -> None:
    """Run `postgres` once over every event store table (comma separated: one statement), or
    `sqlite` once per table; each a format string with `{tables}` / `{table}`."""
    recorder = ctx.app.recorder
    tables = [recorder.events_table_name]
    if ctx.app.snapshots is not None:
        tables.append(ctx.app.snapshots.recorder.events_table_name)
    if is_postgres():
        with recorder.datastore.get_connection() as conn:
            conn.execute(postgres.format(tables=", ".join(tables)))
    else:
        with recorder.datastore.transaction(commit=True) as cursor:
            for table in tables:
                cursor.execute(sqlite.format(table=table))


def wipe_event_store(ctx: CommandContext) -> None:
    on_event_store_tables(ctx, "TRUNCATE {tables}", "DELETE FROM {table}")


@pytest.fixture
def ctx(db, django_db_blocker) -> CommandContext:
    """A command context on an empty event store (aggregate caches start empty too).

    It asks for `db` so the test database exists: the event store lives beside it, and
    wiping must never reach a real database.
    """
    composition.reset()
    with django_db_blocker.unblock():
        context = composition.command_context()
        if is_postgres():
            name = connections["default"].settings_dict["NAME"]
            assert name.startswith("test_"), f"refusing to wipe the event store in {name}"
        wipe_event_store(context)
    yield context
    composition.reset()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Cached pages and throttle history must not leak from one test into the next."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
