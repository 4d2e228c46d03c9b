"""One deadline per request for what it waits on in PostgreSQL (events/deadline.py).

A query the server does not answer stands for a partition here: `pg_sleep` keeps the client
blocked in recv() exactly as a frozen server does, and only the deadline's watchdog can end it.
The bounds asserted are generous (the query would otherwise wait 60 s): they prove the cut, not
a speed.
"""

from __future__ import annotations

import time
from uuid import uuid4

import psycopg
import pytest
from django.db import connections
from eventsourcing.persistence import OperationalError

from command_side.locks import AdvisoryWriterLocks, lock_keys
from events import deadline
from events.config import event_store_config, postgres_conninfo
from events.deadline import DeadlineExceeded, request_deadline
from events.positions import head_position

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db]

NEVER = 10  # seconds a query would wait without the deadline


@pytest.fixture(autouse=True)
def no_sleeper_left_behind(db):
    """A cut query's server process sleeps on until it next writes: end it, so that the test
    database can be dropped at the end of the run."""
    yield
    with psycopg.connect(postgres_conninfo(event_store_config()), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND query LIKE 'SELECT pg_sleep%%'"
        )


def test_a_query_the_server_does_not_answer_is_cut_at_the_deadline(ctx):
    started = time.monotonic()
    with (
        pytest.raises(OperationalError),
        request_deadline(1.0),
        ctx.app.recorder.datastore.get_connection() as conn,
    ):
        conn.execute("SELECT pg_sleep(%s)", (NEVER,))
    assert time.monotonic() - started < 5


def test_after_the_deadline_the_event_store_refuses_at_once_instead_of_retrying(ctx):
    head_position(ctx.app)  # the pool is open and warm
    with request_deadline(0.05) as limit:
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            head_position(ctx.app)
        # Without the deadline the library would retry 10 times, 0.2 s apart.
        assert time.monotonic() - started < 1
        assert limit.remaining() < 0


def test_a_connection_is_not_started_with_under_a_second_left():
    with request_deadline(0.5), pytest.raises(DeadlineExceeded):
        deadline.connect_timeout(5)
    with request_deadline(3.2):
        assert deadline.connect_timeout(5) == 4
    assert deadline.connect_timeout(5) == 5  # outside a request: the configured value


def test_a_writer_lock_wait_ends_at_the_deadline_not_at_the_lock_timeout(ctx):
    conninfo = postgres_conninfo(event_store_config())
    locks = AdvisoryWriterLocks(conninfo, lock_timeout_ms=NEVER * 1000)
    item = uuid4()
    with psycopg.connect(conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_keys([item])[0],))
        started = time.monotonic()
        deadline_after_connecting = request_deadline(1.5)  # 1 s is left for a new connection
        with pytest.raises(psycopg.OperationalError), deadline_after_connecting, locks.hold([item]):
            pytest.fail("the lock is held by another session")
        assert time.monotonic() - started < 5
    with locks.hold([item]):  # a new session takes the lock once it is free
        pass
    locks.close()


@pytest.mark.django_db(transaction=True)  # the cut breaks the connection a test transaction uses
def test_the_read_tables_connection_is_cut_by_the_request_deadline():
    wrapper = connections["default"]  # this thread's, as the middleware captures it
    wrapper.ensure_connection()
    started = time.monotonic()
    with (
        pytest.raises(psycopg.OperationalError),
        request_deadline(1.0),
        deadline.watching(lambda: wrapper.connection),
    ):
        wrapper.connection.execute("SELECT pg_sleep(%s)", (NEVER,))
    assert time.monotonic() - started < 5
    wrapper.close()  # broken: the next use reconnects


def test_nothing_is_cut_once_the_request_has_ended(ctx):
    with request_deadline(0.2):
        pass
    time.sleep(0.4)
    with ctx.app.recorder.datastore.get_connection() as conn:
        assert conn.execute("SELECT pg_sleep(0.3), 1 AS one").fetchone()["one"] == 1
