"""`GET /api/search/suggest/` (docs/api-reference.md): titles starting with the query, then titles
with a word starting with it (shortest first in each), then titles containing it elsewhere, then
typo corrections; at most 10 distinct titles; 3 to 100 characters; rate limited per client IP."""

import math

import pytest
from django.conf import settings

from api.throttles import SuggestThrottle, parse_rate
from command_side.catalog_commands import revise_product
from query_side.selectors.projection_progress import projection_position
from query_side.selectors.suggest import CONTAINING_ROWS, _row_and_containing

from .read_fixtures import assert_problem, fresh_read_side, product, project

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/api/search/suggest/"
TITLES = [
    "Milk 1L",
    "Oat Milk",
    "Almond Milk",
    "Milk Chocolate",
    "Mild Cheddar",
    "Camomile Tea",
    "Brown Bread",
    "White Bread",
    "Labrador Tea",
    "Semolina",
    *(f"Tomato Sauce {n}" for n in range(1, 13)),
    "Tomato Soup",
    "Tomato Soup",  # two products, one title
]


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def catalog(ctx):
    for product_id, title in enumerate(TITLES, start=1):
        product(ctx, product_id, title)
    project()
    return ctx


def suggest(api_client, q: str, **extra) -> list[str]:
    response = api_client.get(URL, {"q": q}, **extra)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {"query": q.strip(), "suggestions": body["suggestions"]}
    return body["suggestions"]


def in_groups(suggestions: list[str], *groups: set[str]) -> list[set[str]]:
    """The suggestions cut into consecutive groups of the given sizes, as sets (the order inside
    the first two groups, shortest first, is checked on the `broad` catalog)."""
    cuts, start = [], 0
    for group in groups:
        cuts.append(set(suggestions[start : start + len(group)]))
        start += len(group)
    assert start == len(suggestions), suggestions
    return cuts


def test_prefix_matches_come_before_matches_inside_a_title(api_client, catalog):
    prefix = {"Milk 1L", "Mild Cheddar", "Milk Chocolate"}
    inside = {"Oat Milk", "Almond Milk", "Camomile Tea"}
    assert in_groups(suggest(api_client, "mil"), prefix, inside) == [prefix, inside]


def test_suggestions_ignore_case_and_surrounding_spaces(api_client, catalog):
    prefix, inside = {"Milk 1L", "Milk Chocolate"}, {"Oat Milk", "Almond Milk"}
    assert in_groups(suggest(api_client, "  MILK "), prefix, inside) == [prefix, inside]


def test_a_typo_suggests_the_titles_of_the_corrected_word(api_client, catalog):
    corrected = {"Milk 1L", "Oat Milk", "Almond Milk", "Milk Chocolate"}
    assert in_groups(suggest(api_client, "mlik"), corrected) == [corrected]


def test_typo_corrections_come_after_titles_that_contain_the_query(api_client, catalog):
    # "brad" is inside "Labrador"; corrected, it is "bread".
    inside, corrected = {"Labrador Tea"}, {"Brown Bread", "White Bread"}
    assert in_groups(suggest(api_client, "brad"), inside, corrected) == [inside, corrected]


def test_at_most_ten_suggestions_each_title_once(api_client, catalog):
    # 14 products match: 12 sauces and two products titled "Tomato Soup".
    suggestions = suggest(api_client, "tomato")
    assert len(suggestions) == len(set(suggestions)) == 10
    assert all(title.startswith("Tomato S") for title in suggestions)


def test_a_title_shared_by_two_products_is_suggested_once(api_client, catalog):
    assert suggest(api_client, "tomato sou") == ["Tomato Soup"]


def test_no_match_suggests_nothing(api_client, catalog):
    assert suggest(api_client, "xyzzy") == []


PACKS = [f"Pack of {n} Batteries" for n in range(1, 15)]  # 14 titles start with "pac"
COLAS = ["Cola 2L", "Cola Zero 2L"]
WITH_COLA = [f"{name} Cola" for name in ("Diet", "Cherry", "Vanilla", "Lime", "Six Pack")]
WITH_COLA += [f"{name} Cola" for name in ("Lemon", "Big Value", "Sugar Free", "No Caffeine")]


@pytest.fixture
def broad(ctx):
    titles = [*PACKS, *COLAS, *WITH_COLA, "Chocolate Digestives", "Dark Chocolate Digestives"]
    for product_id, title in enumerate(titles, start=1):
        product(ctx, product_id, title)
    project()
    return ctx


def by_length(titles: list[str]) -> list[str]:
    return sorted(titles, key=lambda t: (len(t), t))


def test_a_broad_prefix_suggests_the_10_shortest_titles_starting_with_it(api_client, broad):
    assert suggest(api_client, "pac") == by_length(PACKS)[:10]


def test_then_the_shortest_titles_with_a_word_starting_with_it(api_client, broad):
    # 2 titles start with "cola", 9 have a word that does, 2 have it inside "chocolate".
    assert suggest(api_client, "cola") == by_length(COLAS) + by_length(WITH_COLA)[:8]


def test_a_prefix_with_a_full_row_costs_one_statement_that_reads_no_other_title(
    api_client, broad, django_assert_num_queries
):
    api_client.get(URL, {"q": "pack"})  # the connection's own setup queries, once
    with django_assert_num_queries(1):
        assert suggest(api_client, "pac") == by_length(PACKS)[:10]
    position = projection_position("catalog")
    assert position > 0
    assert _row_and_containing("pac") == (position, by_length(PACKS)[:10], [])


def test_titles_containing_a_prefix_ride_in_the_same_statement_and_are_bounded(api_client, ctx):
    chocolates = [f"Hot Chocolate {n}" for n in range(1, 31)]
    for product_id, title in enumerate(chocolates, start=1):
        product(ctx, product_id, title)
    project()
    _, listed, containing = _row_and_containing("oco")  # inside 30 titles, no word starts with it
    assert listed == []
    assert len(containing) == CONTAINING_ROWS < len(chocolates)
    assert set(containing) < set(chocolates)
    # The shortest of the titles read, not of every match: the scan stops at CONTAINING_ROWS.
    found = suggest(api_client, "oco")
    assert found == by_length(containing)[:10]


def test_a_query_longer_than_the_table_keys_keeps_the_groups(api_client, broad):
    assert suggest(api_client, "chocolate digest") == [
        "Chocolate Digestives",
        "Dark Chocolate Digestives",
    ]
    assert suggest(api_client, "pack of 14 batt") == ["Pack of 14 Batteries"]
    assert suggest(api_client, "no caffeine cola") == ["No Caffeine Cola"]


def test_a_long_query_whose_first_characters_are_in_many_titles_is_answered_exactly(
    api_client, catalog
):
    # 12 sauces share "tomato sauce", more than a row of the table lists.
    sauces = ["Tomato Sauce 1", "Tomato Sauce 10", "Tomato Sauce 11", "Tomato Sauce 12"]
    assert suggest(api_client, "tomato sauce 1") == sauces


def test_a_revised_title_is_suggested_instead_of_the_old_one(api_client, catalog):
    revise_product(catalog, 10, {"title": "Semolina Flour"})
    project()
    assert suggest(api_client, "semol") == ["Semolina Flour"]
    assert "Semolina" not in suggest(api_client, "sem")


@pytest.mark.parametrize("q", ["", "mi", "  mi  ", "m" * 101])
def test_q_outside_3_to_100_characters_is_400_naming_q(api_client, catalog, q):
    assert_problem(api_client.get(URL, {"q": q}), 400, "q")


def test_missing_q_is_400_naming_q(api_client, catalog):
    assert_problem(api_client.get(URL), 400, "q")


def test_q_of_100_characters_is_accepted(api_client, catalog):
    assert suggest(api_client, "m" * 100) == []


def assert_throttled(response) -> None:
    assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


class Clock:
    """The throttle's clock, moved by the test; it starts on a minute boundary."""

    def __init__(self) -> None:
        self.now = 1_000_020.0

    def __call__(self, throttle=None) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(SuggestThrottle, "timer", clock)
    return clock


def default_rate() -> tuple[int, int]:
    """(requests per minute, requests per burst window) as configured, 120 and 30 by default."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    return parse_rate(rates["suggest"])[0], parse_rate(rates["suggest_burst"])[0]


def test_a_burst_of_typing_then_steady_typing_is_not_throttled(api_client, catalog, clock):
    for _ in range(15):  # 15 keystrokes in a second
        suggest(api_client, "mil")
        clock.now += 1 / 15
    for _ in range(59):  # then one a second for the rest of the minute
        suggest(api_client, "milk")
        clock.now += 1


def test_a_client_far_above_the_burst_rate_gets_429_until_the_burst_window_ends(
    api_client, catalog, clock
):
    _, burst = default_rate()
    for _ in range(burst):
        suggest(api_client, "mil")
        clock.now += 0.01
    response = api_client.get(URL, {"q": "mil"})
    assert_throttled(response)
    assert int(response["Retry-After"]) <= 10


def test_a_client_above_the_minute_rate_gets_429_until_the_minute_ends(api_client, catalog, clock):
    per_minute, burst = default_rate()
    spacing = 10 / (burst - 1)  # nearly as fast as the burst window allows: above the minute rate
    for _ in range(per_minute):
        suggest(api_client, "mil")
        clock.now += spacing
    response = api_client.get(URL, {"q": "mil"})
    assert_throttled(response)
    assert int(response["Retry-After"]) == math.ceil(1_000_080 - clock.now)  # the minute's end


def test_a_made_up_x_forwarded_for_does_not_escape_the_limit(
    api_client, catalog, monkeypatch, clock
):
    monkeypatch.setitem(SuggestThrottle.THROTTLE_RATES, "suggest", "3/min")
    for _ in range(3):
        suggest(api_client, "mil", REMOTE_ADDR="10.0.0.1")
    for n in range(40):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert_throttled(api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.1", headers=spoofed))


def test_the_rate_limit_is_per_client_ip_and_configurable(api_client, catalog, monkeypatch, clock):
    # The test clock: the wall clock could cross the minute boundary that resets the limit.
    monkeypatch.setitem(SuggestThrottle.THROTTLE_RATES, "suggest", "3/min")
    for _ in range(3):
        suggest(api_client, "mil", REMOTE_ADDR="10.0.0.1")
    assert_throttled(api_client.get(URL, {"q": "mil"}, REMOTE_ADDR="10.0.0.1"))
    assert_throttled(api_client.get(URL, {"q": "mi"}, REMOTE_ADDR="10.0.0.1"))
    assert "Milk 1L" in suggest(api_client, "mil", REMOTE_ADDR="10.0.0.2")
