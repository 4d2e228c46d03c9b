"""A request target (path and query string) longer than the service accepts is a 414 problem
before any view runs (api/request_limits.py); tests/test_http_edge.py covers gunicorn's part."""

import pytest

from api.request_limits import MAX_REQUEST_TARGET

from .read_fixtures import assert_problem

pytestmark = [pytest.mark.api, pytest.mark.django_db]


def target_of_length(length: int) -> str:
    start = "/api/search/suggest/?q="
    return start + "x" * (length - len(start))


def test_a_request_target_over_the_limit_is_414_naming_the_limit(api_client):
    body = assert_problem(api_client.get(target_of_length(MAX_REQUEST_TARGET + 1)), 414)
    assert (body["type"], body["title"]) == ("/problems/uri-too-long", "URI too long")
    assert f"at most {MAX_REQUEST_TARGET}" in body["detail"]


def test_a_long_path_counts_as_well(api_client):
    assert_problem(api_client.get("/" + "a" * MAX_REQUEST_TARGET), 414)


def test_a_request_target_at_the_limit_reaches_the_view(api_client):
    body = assert_problem(api_client.get(target_of_length(MAX_REQUEST_TARGET)), 400, "q")
    assert body["type"] == "/problems/validation-error"  # the view's own check of q
