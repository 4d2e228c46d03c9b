"""Errors that tell the truth: an outage of the database is a 503 the client may retry; any
other database error is a bug, answered 500 with the request's id, logged with its traceback
and counted in /metrics. Every error here is raised by the real database."""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest
from django.test import override_settings
from prometheus_client import REGISTRY

from aforro_backend import composition

pytestmark = [
    pytest.mark.api,
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.urls("tests.api.database_error_urls"),
]

PROBLEM_JSON = "application/problem+json"


def errors_counted(status: int, error: str) -> float:
    labels = {"status": str(status), "error": error}
    return REGISTRY.get_sample_value("aforro_database_errors_total", labels) or 0.0


def assert_bug_answered_500(response, error: str, before: float, caplog) -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["type"]) == (500, "/problems/server-error")
    assert body["request_id"] == response["X-Request-ID"] == "trace-me-1"
    assert "Retry-After" not in response
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged and "trace-me-1" in logged[-1].getMessage()
    assert type(logged[-1].exc_info[1]).__name__ == error
    assert errors_counted(500, error) == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("missing-table", "ProgrammingError"),
        ("division-by-zero", "DataError"),
        ("duplicate-key", "IntegrityError"),
    ],
)
def test_a_read_table_error_from_a_bug_is_a_500_with_the_request_id(
    api_client, caplog, case, error
):
    before = errors_counted(500, error)
    response = api_client.get(f"/read-tables/{case}/", HTTP_X_REQUEST_ID="trace-me-1")
    assert_bug_answered_500(response, error, before, caplog)


def test_an_event_store_error_from_a_bug_is_a_500_with_the_request_id(api_client, ctx, caplog):
    before = errors_counted(500, "ProgrammingError")
    response = api_client.get("/event-store/missing-table/", HTTP_X_REQUEST_ID="trace-me-1")
    assert_bug_answered_500(response, "ProgrammingError", before, caplog)


@pytest.mark.django_db
def test_a_cancelled_statement_is_an_outage_answered_503_with_retry_after(api_client):
    before = errors_counted(503, "OperationalError")
    response = api_client.get("/read-tables/statement-timeout/")
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_JSON
    assert response["Retry-After"] == "2"
    assert response.json()["type"] == "/problems/unavailable"
    assert errors_counted(503, "OperationalError") == before + 1


@override_settings(EVENT_STORE_POOL_SIZE=1, DB_DEADLINE_SECONDS=1)
def test_an_exhausted_event_store_pool_is_an_outage_answered_503(api_client, ctx):
    composition.reset()  # a pool of 1 (+2 overflow) from the settings above
    pool = composition.command_context().app.recorder.datastore.pool
    pool.open()
    held = [pool.getconn() for _ in range(pool.max_size)]
    try:
        response = api_client.get(f"/orders/{uuid4()}/history/")
    finally:
        for conn in held:
            pool.putconn(conn)
        composition.reset()
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_JSON
    assert response["Retry-After"] == "2"
