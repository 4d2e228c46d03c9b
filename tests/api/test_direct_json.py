"""api.direct_json: a plain GET of the keystroke endpoint skips DRF's request cycle and answers
what that cycle answers, byte for byte, errors included (these go through DRF)."""

import pytest
from django.db import connection

from api.throttles import SuggestThrottle
from api.views.queries import ProductSuggestApi

from .read_fixtures import assert_problem, fresh_read_side, product, project

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/api/search/suggest/"
NEGOTIATED = {"Accept": "application/json"}  # not "anything": DRF's whole cycle


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def catalog(ctx):
    for product_id, title in enumerate(["Milk 1L", "Pão de Açúcar", "Oat Milk"], start=1):
        product(ctx, product_id, title)
    project()
    return ctx


@pytest.fixture
def wrapped(monkeypatch) -> list:
    """The requests DRF wrapped in its own Request class."""
    calls: list = []
    real = ProductSuggestApi.initialize_request

    def counted(self, request, *args, **kwargs):
        calls.append(request)
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(ProductSuggestApi, "initialize_request", counted)
    return calls


def same_answer(direct, negotiated) -> None:
    assert direct.status_code == negotiated.status_code
    assert direct.content == negotiated.content
    # Every header but the request's own id (a test that needs the same id sends it).
    assert {**direct.headers, "X-Request-ID": ""} == {**negotiated.headers, "X-Request-ID": ""}


@pytest.mark.parametrize("q", ["mil", "pão", "açu", "zzz"])
def test_a_plain_get_answers_what_drf_answers_without_wrapping_the_request(
    api_client, catalog, wrapped, q
):
    direct = api_client.get(URL, {"q": q})
    assert direct.status_code == 200
    assert wrapped == []
    same_answer(direct, api_client.get(URL, {"q": q}, headers=NEGOTIATED))
    assert len(wrapped) == 1


@pytest.mark.parametrize(
    "query, param",
    [({"q": "mi"}, "q"), ({}, "q"), ({"q": "milk", "min_position": "999999"}, "min_position")],
)
def test_a_refused_query_is_drf_s_problem_json(api_client, catalog, wrapped, query, param):
    direct = api_client.get(URL, query)
    assert_problem(direct, 400, param)
    assert len(wrapped) == 1  # built for the error only
    same_answer(direct, api_client.get(URL, query, headers=NEGOTIATED))


def test_a_throttled_plain_get_is_drf_s_429(api_client, catalog, monkeypatch):
    monkeypatch.setitem(SuggestThrottle.THROTTLE_RATES, "suggest", "1/min")
    monkeypatch.setattr(SuggestThrottle, "timer", lambda self=None: 1_000_020.0)
    api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.1")
    api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.2", headers=NEGOTIATED)
    direct = api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.1")
    assert_problem(direct, 429)
    assert direct["Retry-After"] == "60"  # the test clock is on a minute boundary
    same_answer(
        direct, api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.2", headers=NEGOTIATED)
    )


def test_other_methods_and_accept_headers_go_through_drf(api_client, catalog, wrapped):
    assert api_client.head(URL, {"q": "mil"}).status_code == 200
    assert_problem(api_client.post(URL, {"q": "mil"}), 405)
    assert_problem(api_client.get(URL, {"q": "mil"}, headers={"Accept": "text/html"}), 406)
    assert len(wrapped) == 3


@pytest.mark.django_db(transaction=True)
def test_a_database_error_on_a_plain_get_is_drf_s_problem_json(api_client, catalog):
    # A real error of the suggestion statement: its table renamed away (back in `finally`).
    # PostgreSQL calls it a programming error (500), SQLite an operational one (503).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE read_suggestion RENAME TO read_suggestion_away")
    try:
        same_id = {"X-Request-ID": "direct-500"}
        direct = api_client.get(URL, {"q": "mil"}, headers=same_id)
        assert direct.status_code in (500, 503)
        assert_problem(direct, direct.status_code)
        negotiated = api_client.get(URL, {"q": "mil"}, headers={**NEGOTIATED, **same_id})
        same_answer(direct, negotiated)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE read_suggestion_away RENAME TO read_suggestion")
