"""Product search for words that many products hold (docs/decisions/019-ranked-postings.md):
title matches first, paging that returns every match once, a count bounded by
SEARCH_COUNT_LIMIT, filters, and revisions moving a product's rank. Both databases."""

from decimal import Decimal

import pytest

from command_side.catalog_commands import revise_product

from .read_fixtures import (
    assert_envelope,
    assert_problem,
    fresh_read_side,
    order,
    product,
    project,
    shop,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/api/search/products/"
CATEGORIES = ("Dairy", "Bakery", "Pantry")
# Like the seed catalog, every description names the category's "range"; so do a few titles.
TITLES = [
    "Milk 1L",
    "Free Range Eggs 12 pack",
    "Brown Bread",
    "Oat Milk 1L",
    "Sourdough Loaf",
    "Range Cookies",
    "Rice 1kg",
    "Cheddar Cheese 200g",
    "Bagels 5 pack",
    "Long Grain Rice 1kg",
    "Greek Yogurt 500g",
    "Free Range Eggs 6 pack",
    "Rye Bread",
    "Honey 340g",
    "Salted Butter 250g",
    "White Bread",
    "Baked Beans 415g",
    "Double Cream 300ml",
    "Crumpets 6 pack",
    "Spaghetti 500g",
    "Feta Cheese 200g",
    "Baguette",
    "Sea Salt 350g",
    "Mozzarella 125g",
    "Brioche Buns 6 pack",
    "Caster Sugar 1kg",
    "Sour Cream 200ml",
    "Pitta Bread 6 pack",
    "Soy Sauce 150ml",
    "Plain Olive Oil Soap Bars 100g",
]
TITLE_MATCHES = {2, 6, 12}  # "Range" in the title
SOAP = 30


def price_of(product_id: int) -> Decimal:
    return Decimal(product_id) / 10


def category_of(product_id: int) -> str:
    return CATEGORIES[product_id % len(CATEGORIES)]


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def catalog(ctx):
    """30 products whose descriptions all say "range"; store 1 stocks the products whose id is
    a multiple of 4 (those of 8 sold out), store 2 those of 5."""
    shop(ctx, 1)
    shop(ctx, 2)
    for product_id, title in enumerate(TITLES, start=1):
        category = category_of(product_id)
        description = f"{title} from our {category.lower()} range. Supplied by Reed Inc."
        product(ctx, product_id, title, str(price_of(product_id)), category, description)
    for product_id in range(4, 31, 4):
        stock(ctx, 1, product_id, 3)
    for product_id in range(5, 31, 5):
        stock(ctx, 2, product_id, 2)
    for product_id in range(8, 31, 8):
        assert order(ctx, 1, (product_id, 3)).order.status == "CONFIRMED"
    project()
    return ctx


def search(api_client, **params) -> dict:
    response = api_client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def every_page(api_client, **params) -> list[int]:
    """Ids of every page, following `next` links until there is none."""
    ids, page = [], 1
    while True:
        body = search(api_client, **params, page=page)
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            assert page == body["total_pages"] or body["total_pages"] == 0
            return ids
        page += 1


def test_a_word_in_every_description_ranks_the_title_matches_first(api_client, catalog):
    body = search(api_client, q="range", page_size=30)
    assert_envelope(body, count=30, page=1, page_size=30, total_pages=1)
    ranked = [row["id"] for row in body["results"]]
    assert set(ranked[:3]) == TITLE_MATCHES
    assert sorted(ranked) == list(range(1, 31))


@pytest.mark.parametrize("page_size", [1, 4, 7])
def test_paging_through_a_broad_word_returns_every_product_once(api_client, catalog, page_size):
    ranked = every_page(api_client, q="range", page_size=page_size)
    assert len(ranked) == 30 and set(ranked) == set(range(1, 31))
    assert ranked == [row["id"] for row in search(api_client, q="range", page_size=30)["results"]]


def test_past_the_count_limit_the_count_is_the_limit_and_not_exact(api_client, catalog, settings):
    full = [row["id"] for row in search(api_client, q="range", page_size=30)["results"]]
    settings.SEARCH_COUNT_LIMIT = 5
    body = search(api_client, q="range", page_size=2)
    assert_envelope(body, count=5, page=1, page_size=2, total_pages=3, exact=False)
    # The last page stops at the limit and has no next page; the one after it is not served.
    last = search(api_client, q="range", page_size=2, page=3)
    assert_envelope(last, count=5, page=3, page_size=2, total_pages=3, exact=False)
    assert last["next"] is None and len(last["results"]) == 1
    assert every_page(api_client, q="range", page_size=2) == full[:5]
    assert_problem(api_client.get(URL, {"q": "range", "page_size": 2, "page": 4}), 404)


def test_up_to_the_count_limit_the_count_is_exact(api_client, catalog, settings):
    settings.SEARCH_COUNT_LIMIT = 3
    assert_envelope(search(api_client, q="milk"), count=2, page=1, page_size=10, total_pages=1)
    assert_envelope(search(api_client, q="1kg"), count=3, page=1, page_size=10, total_pages=1)
    assert search(api_client, q="bread")["count_is_exact"] is False  # 4 titles


def test_every_kind_of_search_is_counted_up_to_the_limit(api_client, catalog, settings):
    settings.SEARCH_COUNT_LIMIT = 5
    for params in (
        {"q": "range", "sort": "price"},  # another sort than relevance
        {"q": "range supplied"},  # several words
        {"q": "range", "category": "dairy"},
        {"q": "range", "in_stock": "false"},
    ):
        body = search(api_client, **params)
        assert (body["count"], body["count_is_exact"], body["total_pages"]) == (5, False, 1)
    # Lists without a keyword keep their exact count.
    assert_envelope(search(api_client, sort="price"), count=30, page=1, page_size=10, total_pages=3)


@pytest.mark.parametrize("sort", ["price", "-price"])
def test_a_keyword_sorted_by_price_pages_in_price_order_past_the_count_limit_too(
    api_client, catalog, settings, sort
):
    """Up to the count limit the matches are sorted; past it the price index is walked: both
    give the price order (a different page size each, so neither is read from the cache)."""
    by_price = sorted(range(1, 31), key=lambda i: price_of(i), reverse=sort == "-price")
    settings.SEARCH_COUNT_LIMIT = 30
    sorted_ids = every_page(api_client, q="range", sort=sort, page_size=7)
    settings.SEARCH_COUNT_LIMIT = 5
    walked = search(api_client, q="range", sort=sort, page_size=4)
    assert walked["count_is_exact"] is False
    assert sorted_ids == by_price
    assert [row["id"] for row in walked["results"]] == by_price[:4]


def test_the_cached_page_keeps_the_counts_exactness(api_client, catalog, settings):
    settings.SEARCH_COUNT_LIMIT = 5
    first = search(api_client, q="range")
    assert search(api_client, q="range") == first
    assert first["count_is_exact"] is False


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"category": "dairy"}, lambda p: category_of(p) == "Dairy"),
        ({"category": "2"}, lambda p: category_of(p) == "Pantry"),  # ids by first appearance
        ({"min_price": "1.2", "max_price": "2.05"}, lambda p: 12 <= p <= 20),
        ({"in_stock": "true"}, lambda p: (p % 4 == 0 and p % 8) or p % 5 == 0),
        ({"in_stock": "false"}, lambda p: not ((p % 4 == 0 and p % 8) or p % 5 == 0)),
        ({"in_stock": "true", "store_id": "1"}, lambda p: p % 4 == 0 and p % 8),
        ({"in_stock": "false", "store_id": "2"}, lambda p: p % 5),
        ({"store_id": "2"}, lambda p: True),  # a store alone only adds its quantities
        ({"category": "pantry", "in_stock": "true"}, lambda p: p in (5, 20)),
    ],
)
@pytest.mark.parametrize("page_size", [2, 30])
def test_filters_keep_the_ranking_of_a_broad_word(api_client, catalog, params, keep, page_size):
    full = [row["id"] for row in search(api_client, q="range", page_size=30)["results"]]
    expected = [product_id for product_id in full if keep(product_id)]
    assert expected, "a filter that keeps nothing proves nothing"
    assert every_page(api_client, q="range", page_size=page_size, **params) == expected
    assert search(api_client, q="range", **params)["count"] == len(expected)


def test_revisions_move_a_product_in_the_ranking_and_out_of_the_matches(api_client, catalog, ctx):
    assert SOAP not in ids_for(api_client, "range")[:10]
    revise_product(ctx, SOAP, {"title": "Range Soap"})
    project()
    assert set(ids_for(api_client, "range")[:4]) == {*TITLE_MATCHES, SOAP}
    assert ids_for(api_client, "soap") == [SOAP]
    revise_product(ctx, SOAP, {"title": TITLES[-1], "description": "Unscented bar."})
    project()
    assert SOAP not in ids_for(api_client, "range")
    assert search(api_client, q="range")["count"] == 29
    assert ids_for(api_client, "unscented") == [SOAP]
    assert set(ids_for(api_client, "reed")) == set(range(1, 30))


def ids_for(api_client, q: str) -> list[int]:
    return [row["id"] for row in search(api_client, q=q, page_size=30)["results"]]
