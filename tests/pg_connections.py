"""The suite's PostgreSQL connection budget: checked before the PostgreSQL run, measured on demand.

A pytest plugin (loaded by the root conftest.py). In the PostgreSQL mode it first counts the free
connections on the server and stops the session at once when fewer than `BUDGET` are free: a
shared server then fails the run up front with a clear message instead of "too many clients"
halfway through. `--pg-connections` samples the suite's sessions on the server every 50 ms and
reports the peak and the tests that reached it (README, "Running the tests"); the session fails
when the peak exceeds the budget. Imports only pytest, psycopg and Django's settings.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest

BUDGET = 25  # the most connections the whole suite holds at once (measured: README)
SAMPLE_SECONDS = 0.05


def server_settings() -> dict | None:
    """The default database's settings in the PostgreSQL mode, else None."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return db if "postgres" in db["ENGINE"] else None


def admin_conninfo(db: dict) -> str:
    """The server's maintenance database, as Django's test runner uses to create the test one."""
    parts = {"dbname": "postgres", "host": db.get("HOST") or "127.0.0.1"}
    parts |= {"port": db.get("PORT") or 5432, "user": db.get("USER") or "postgres"}
    if db.get("PASSWORD"):
        parts["password"] = db["PASSWORD"]
    return psycopg.conninfo.make_conninfo(connect_timeout=5, **parts)


def free_connections(conn: psycopg.Connection) -> tuple[int, int, int]:
    """(free, max_connections, in use): the slots an ordinary user may still take. Reserved
    slots (superuser_reserved_connections, and reserved_connections from PostgreSQL 16) are not
    free; every client backend, of any database, holds one."""
    row = conn.execute(
        "SELECT current_setting('max_connections')::int, "
        "current_setting('superuser_reserved_connections')::int, "
        "coalesce(current_setting('reserved_connections', true), '0')::int, "
        "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int"
    ).fetchone()
    maximum, superuser_reserved, reserved, in_use = row
    return maximum - superuser_reserved - reserved - in_use, maximum, in_use


def test_database_pattern(db: dict) -> str:
    """LIKE pattern of the test database and the ones tests make beside it (named after it)."""
    name = (db.get("TEST") or {}).get("NAME") or f"test_{db['NAME']}"
    return name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pg-connections",
        action="store_true",
        help="sample this suite's PostgreSQL connections every 50 ms and report the peak",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    db = server_settings()
    if db is None:
        return
    where = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    try:
        with psycopg.connect(admin_conninfo(db), autocommit=True) as conn:
            free, maximum, in_use = free_connections(conn)
    except psycopg.Error as error:
        raise pytest.UsageError(f"PostgreSQL at {where} is not reachable: {error}") from error
    if free < BUDGET:
        raise pytest.UsageError(
            f"PostgreSQL at {where} has {free} free connections (max_connections {maximum}, "
            f"reserved slots excluded, {in_use} in use); the suite needs {BUDGET}. "
            "Stop other clients or run on a server of its own (README, Running the tests)."
        )
    if session.config.getoption("pg_connections"):
        sampler = Sampler(admin_conninfo(db), test_database_pattern(db))
        session.config.stash[SAMPLER] = sampler
        sampler.start()


class Sampler(threading.Thread):
    """Counts the sessions on the test databases every SAMPLE_SECONDS, per running test."""

    def __init__(self, conninfo: str, pattern: str) -> None:
        super().__init__(name="pg-connection-sampler", daemon=True)
        self.conninfo, self.pattern = conninfo, pattern
        self.current_test = "(setup)"
        self.peaks: Counter[str] = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self.stopping.is_set():
                count = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE %s", [self.pattern]
                ).fetchone()[0]
                test = self.current_test
                self.peaks[test] = max(self.peaks[test], count)
                time.sleep(SAMPLE_SECONDS)

    @property
    def peak(self) -> int:
        return max(self.peaks.values(), default=0)


SAMPLER = pytest.StashKey[Sampler]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    sampler = item.config.stash.get(SAMPLER, None)
    if sampler is not None:
        sampler.current_test = item.nodeid
    return (yield)


def pytest_sessionfinish(session: pytest.Session) -> None:
    sampler = session.config.stash.get(SAMPLER, None)
    if sampler is None:
        return
    sampler.stopping.set()
    sampler.join(timeout=5)
    if sampler.peak > BUDGET:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    sampler = config.stash.get(SAMPLER, None)
    if sampler is None:
        return
    verdict = "within" if sampler.peak <= BUDGET else "OVER"
    terminalreporter.write_sep("-", "PostgreSQL connections")
    terminalreporter.write_line(
        f"peak {sampler.peak} connections ({verdict} the budget of {BUDGET}); highest tests:"
    )
    for test, count in sampler.peaks.most_common(8):
        terminalreporter.write_line(f"  {count:3d}  {test}")
