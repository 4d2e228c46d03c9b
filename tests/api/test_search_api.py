"""`GET /api/search/products/` (docs/api-reference.md): every filter alone and combined, every sort,
the row shape, paging, and a 400 naming the parameter for each invalid value."""

import pytest

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
ROW_KEYS = {"id", "title", "description", "price", "category", "created_at"}

# (id, title, price, category, description), registered in this order (ids are creation order).
CATALOG = [
    (1, "Milk 1L", "1.20", "Dairy", "Fresh semi-skimmed milk."),
    (2, "Oat Milk", "2.80", "Dairy", "A plant-based drink."),
    (3, "Brown Bread", "2.10", "Bakery", "Wholemeal loaf."),
    (4, "White Bread", "1.50", "Bakery", "Soft sandwich loaf."),
    (5, "Green Tea 20 bags", "3.40", "Tea", "Light and grassy."),
    (6, "Dark Chocolate 70%", "2.80", "Sweets", "Bitter and smooth."),
    (7, "Cheddar Cheese", "4.50", "Dairy", "Aged from cow's milk."),
]


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def catalog(ctx):
    """The catalog above. Store 1 stocks 1 (10), 3 (0, sold out) and 6 (2); store 2 stocks
    2 (5) and 3 (4). Products 4, 5 and 7 are stocked nowhere."""
    shop(ctx, 1)
    shop(ctx, 2)
    for product_id, title, price, category, description in CATALOG:
        product(ctx, product_id, title, price, category, description)
    for store_id, product_id, quantity in [(1, 1, 10), (1, 3, 2), (1, 6, 2), (2, 2, 5), (2, 3, 4)]:
        stock(ctx, store_id, product_id, quantity)
    assert order(ctx, 1, (3, 2)).order.status == "CONFIRMED"
    project()
    return ctx


def search(api_client, **params) -> dict:
    response = api_client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(api_client, **params) -> list[int]:
    return [row["id"] for row in search(api_client, **params)["results"]]


def test_search_rows_have_the_documented_shape_and_two_place_prices(api_client, catalog):
    body = search(api_client, q="cheddar")
    assert_envelope(body, count=1, page=1, page_size=10, total_pages=1)
    (row,) = body["results"]
    assert set(row) == ROW_KEYS
    assert {k: v for k, v in row.items() if k != "created_at"} == {
        "id": 7,
        "title": "Cheddar Cheese",
        "description": "Aged from cow's milk.",
        "price": "4.50",
        "category": "Dairy",
    }
    assert row["created_at"].startswith("2025-01-01T00:") and row["created_at"].endswith("Z")


def test_store_id_adds_that_stores_quantity_to_every_row(api_client, catalog):
    body = search(api_client, store_id=2, sort="price")
    assert all(set(row) == {*ROW_KEYS, "store_quantity"} for row in body["results"])
    quantities = {row["id"]: row["store_quantity"] for row in body["results"]}
    assert quantities == {1: 0, 2: 5, 3: 4, 4: 0, 5: 0, 6: 0, 7: 0}


def test_without_q_the_default_sort_is_newest_first(api_client, catalog):
    assert ids(api_client) == [7, 6, 5, 4, 3, 2, 1]
    assert ids(api_client, sort="newest") == [7, 6, 5, 4, 3, 2, 1]


def test_sort_by_price_breaks_ties_by_product_id(api_client, catalog):
    assert ids(api_client, sort="price") == [1, 4, 3, 2, 6, 5, 7]
    assert ids(api_client, sort="-price") == [7, 5, 2, 6, 3, 4, 1]


def test_relevance_is_the_default_with_q_and_ranks_title_matches_first(api_client, catalog):
    assert ids(api_client, q="milk") == [1, 2, 7]
    assert ids(api_client, q="milk", sort="relevance") == [1, 2, 7]


def test_q_can_be_sorted_by_price_or_newest_instead(api_client, catalog):
    assert ids(api_client, q="milk", sort="price") == [1, 2, 7]
    assert ids(api_client, q="milk", sort="-price") == [7, 2, 1]
    assert ids(api_client, q="milk", sort="newest") == [7, 2, 1]


def test_relevance_without_q_falls_back_to_newest(api_client, catalog):
    assert ids(api_client, sort="relevance") == [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("bread", {3, 4}),
        ("BREAD", {3, 4}),
        ("brea", {3, 4}),  # the last word is a prefix, as typed in a search box
        ("brown bread", {3}),
        ("loaf", {3, 4}),  # description
        ("tea", {5}),  # title and category
        ("sweets", {6}),  # category only
        ("mlik", {1, 2, 7}),  # a transposition is one edit
        ("chedar", {7}),
        ("brwn bread", {3}),
        ("zzzzqqq", set()),
        ("!!!", set()),
    ],
)
def test_q_matches_title_description_and_category_and_tolerates_typos(
    api_client, catalog, q, expected
):
    assert set(ids(api_client, q=q)) == expected


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Dairy", {1, 2, 7}),
        ("dAIRY", {1, 2, 7}),
        ("1", {1, 2, 7}),  # categories are numbered in order of first appearance
        ("2", {3, 4}),
        ("bakery", {3, 4}),
        ("Frozen", set()),
        ("99", set()),
    ],
)
def test_category_filters_by_name_case_insensitively_or_by_id(
    api_client, catalog, category, expected
):
    assert set(ids(api_client, category=category)) == expected


def test_price_bounds_are_inclusive_alone_and_together(api_client, catalog):
    assert set(ids(api_client, min_price="2.80")) == {2, 5, 6, 7}
    assert set(ids(api_client, max_price="1.5")) == {1, 4}
    assert set(ids(api_client, min_price="1.50", max_price="2.80")) == {2, 3, 4, 6}
    assert set(ids(api_client, min_price="2.80", max_price="2.80")) == {2, 6}


def test_in_stock_without_store_id_means_stocked_in_any_store(api_client, catalog):
    assert set(ids(api_client, in_stock="true")) == {1, 2, 3, 6}
    assert set(ids(api_client, in_stock="false")) == {4, 5, 7}


def test_in_stock_with_store_id_means_that_stores_quantity_is_positive(api_client, catalog):
    assert set(ids(api_client, in_stock="true", store_id=1)) == {1, 6}
    sold_out_or_absent = search(api_client, in_stock="false", store_id=1)["results"]
    assert {row["id"]: row["store_quantity"] for row in sold_out_or_absent} == {
        2: 0,
        3: 0,
        4: 0,
        5: 0,
        7: 0,
    }
    assert set(ids(api_client, in_stock="TRUE", store_id=2)) == {2, 3}


def test_filters_combine(api_client, catalog):
    assert ids(api_client, q="bread", store_id=2, in_stock="true", max_price="3") == [3]
    assert ids(api_client, q="milk", category="dairy", min_price="2") == [2, 7]
    assert ids(api_client, category="Dairy", in_stock="false") == [7]
    assert ids(api_client, category="bakery", sort="-price", min_price="1.00") == [3, 4]
    assert ids(api_client, q="milk", category="bakery") == []


def test_search_pages_through_results_and_404s_past_the_last_page(api_client, catalog):
    body = search(api_client, sort="price", page_size=3, page=2)
    assert_envelope(body, count=7, page=2, page_size=3, total_pages=3)
    assert [row["id"] for row in body["results"]] == [2, 6, 5]
    assert body["next"] is not None and body["previous"] is not None
    assert_problem(api_client.get(URL, {"page": 4, "page_size": 3}), 404)


def test_search_page_size_over_100_is_clamped_to_100(api_client, catalog):
    assert_envelope(
        search(api_client, page_size=101), count=7, page=1, page_size=100, total_pages=1
    )


def test_search_of_an_empty_catalog_is_an_empty_first_page(api_client, ctx):
    body = search(api_client, q="milk")
    assert_envelope(body, count=0, page=1, page_size=10, total_pages=0)
    assert body["results"] == []


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("sort", "bogus"),
        ("sort", "PRICE"),
        ("min_price", "abc"),
        ("min_price", "-0.01"),
        ("min_price", "NaN"),
        ("min_price", "Infinity"),
        ("min_price", "1e100"),
        ("max_price", "-1"),
        ("max_price", "1,50"),
        ("in_stock", "maybe"),
        ("in_stock", "1"),
        ("store_id", "x"),
        ("store_id", "0"),
        ("store_id", "1.5"),
        ("store_id", "99999999999"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "abc"),
        ("page_size", "0"),
        ("page_size", "-1"),
        ("page_size", "x"),
        ("category", "c" * 101),
        ("category", "0"),
        ("q", "milk " * 41),
        ("min_position", "-1"),
        ("min_position", "soon"),
    ],
)
def test_an_invalid_value_is_400_naming_its_parameter(api_client, catalog, param, value):
    assert_problem(api_client.get(URL, {param: value}), 400, param)


def test_min_price_above_max_price_is_400_naming_min_price(api_client, catalog):
    assert_problem(api_client.get(URL, {"min_price": "3", "max_price": "2"}), 400, "min_price")


def test_a_category_of_100_characters_is_accepted(api_client, catalog):
    assert search(api_client, category="c" * 100)["results"] == []
