"""Query parameters: a bad value is a 400 naming it, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError

from api.query_params import search_params, suggest_query
from tests.api.read_fixtures import assert_problem, fresh_read_side, product, project

SECURE = {"HTTP_X_FORWARDED_PROTO": "https"}  # outside the embedded mode, http is redirected


def refused(parse, params: dict) -> dict:
    with pytest.raises(ValidationError) as raised:
        parse(params)
    return raised.value.detail


@pytest.mark.unit
@pytest.mark.parametrize(("name", "value"), [("q", "mi\x00lk"), ("category", "\x00")])
def test_nul_in_a_search_text_is_refused_by_name(name, value):
    assert list(refused(search_params, {name: value})) == [name]


@pytest.mark.unit
def test_lengths_count_the_characters_as_sent_and_spaces_are_then_trimmed():
    assert search_params({"q": "  milk  "}).q == "milk"
    assert list(refused(search_params, {"q": "milk" + " " * 197})) == ["q"]
    assert suggest_query({"q": " mil "}) == "mil"
    assert list(refused(suggest_query, {"q": "mil" + " " * 98})) == ["q"]
    assert list(refused(suggest_query, {"q": "  mi  "})) == ["q"]


@pytest.mark.api
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/search/products/?q=mi%00lk",
        "/api/search/products/?category=Dai%00ry",
        "/api/search/suggest/?q=mi%00l",
    ],
)
def test_nul_in_a_query_is_a_400_not_a_database_failure(client, ctx, monkeypatch, url):
    fresh_read_side(ctx, monkeypatch)
    product(ctx, 1, "Milk")
    project()
    param = url.split("?")[1].split("=")[0]
    assert_problem(client.get(url, **SECURE), 400, param)
