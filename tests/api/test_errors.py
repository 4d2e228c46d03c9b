"""Django's own error answers (before or outside DRF) in the one problem+json shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.errors import server_error

pytestmark = pytest.mark.api

PROBLEM_JSON = "application/problem+json"
SECURE = {"HTTP_X_FORWARDED_PROTO": "https"}  # outside the embedded mode, http is redirected


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM_JSON
    body = json.loads(response.content)
    assert body["status"] == status
    assert {"type", "title", "detail", "errors"} <= set(body)
    return body


@pytest.mark.parametrize(
    "path", ["/stores/abc/orders/", "/stores/-1/inventory/", "/orders/x/history/", "/nowhere/"]
)
def test_a_path_no_route_matches_is_a_problem_json_404(client, path):
    body = assert_problem(client.get(path, **SECURE), 404)
    assert body["type"] == "/problems/not-found"


def test_a_host_the_service_does_not_serve_is_a_problem_json_400():
    response = Client(HTTP_HOST="evil.example", **SECURE).get("/health/")
    assert assert_problem(response, 400)["type"] == "/problems/bad-request"


def test_an_unexpected_error_is_a_problem_json_500_without_internals(rf):
    request = rf.get("/orders/")
    request.request_id = "req-1"
    body = assert_problem(server_error(request), 500)
    assert body["detail"].startswith("An unexpected error occurred; it has been logged")
    assert body["request_id"] == "req-1"
