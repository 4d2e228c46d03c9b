"""The PostgreSQL backend's health check (aforro_backend/postgres_backend): Django runs it before
each request's first query; a connection the server ended is replaced, a live idle one is kept
without a round trip."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from events.config import event_store_config, postgres_conninfo

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def last_query_of(pid: int) -> str:
    with psycopg.connect(postgres_conninfo(event_store_config()), autocommit=True) as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row[0]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_live_idle_connection_is_usable_without_a_query():
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42 AS marker")
    assert connection.is_usable()
    assert last_query_of(pid) == "SELECT 42 AS marker"  # Django's own check would send SELECT 1


def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    pid = backend_pid()
    with psycopg.connect(postgres_conninfo(event_store_config()), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye is on its way
    assert not connection.is_usable()
    connection.health_check_done = False  # as at the start of a request
    connection.close_if_health_check_failed()
    assert backend_pid() != pid
