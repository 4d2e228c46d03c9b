"""`GET /stores/<store_id>/inventory/` (docs/api-reference.md): rows, order, envelope and paging."""

import pytest

from .read_fixtures import (
    assert_envelope,
    assert_problem,
    fresh_read_side,
    link,
    product,
    project,
    shop,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/stores/{}/inventory/"


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


def five_titles(ctx) -> None:
    """Store 1 stocks five products whose titles differ in case; store 2 stocks another."""
    shop(ctx, 1)
    shop(ctx, 2)
    for product_id, title, price, category in [
        (1, "cherry jam", "3.10", "Pantry"),
        (2, "apple Juice", "1.99", "Drinks"),
        (3, "Banana", "0.25", "Produce"),
        (4, "Apple juice", "2.00", "Drinks"),
        (5, "APPLE CIDER", "4.50", "Drinks"),
        (6, "Zucchini", "0.80", "Produce"),
        (7, "Dates", "5.00", "Produce"),
    ]:
        product(ctx, product_id, title, price, category)
    for product_id, quantity in [(1, 7), (2, 3), (3, 12), (4, 1), (5, 9)]:
        stock(ctx, 1, product_id, quantity)
    stock(ctx, 2, 7, 4)
    project()


def test_inventory_lists_the_stores_rows_a_to_z_ignoring_case_then_by_product_id(api_client, ctx):
    five_titles(ctx)
    response = api_client.get(URL.format(1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"] == [
        {
            "product_id": 5,
            "product_title": "APPLE CIDER",
            "category": "Drinks",
            "price": "4.50",
            "quantity": 9,
        },
        {
            "product_id": 2,
            "product_title": "apple Juice",
            "category": "Drinks",
            "price": "1.99",
            "quantity": 3,
        },
        {
            "product_id": 4,
            "product_title": "Apple juice",
            "category": "Drinks",
            "price": "2.00",
            "quantity": 1,
        },
        {
            "product_id": 3,
            "product_title": "Banana",
            "category": "Produce",
            "price": "0.25",
            "quantity": 12,
        },
        {
            "product_id": 1,
            "product_title": "cherry jam",
            "category": "Pantry",
            "price": "3.10",
            "quantity": 7,
        },
    ]


def test_inventory_envelope_counts_rows_and_links_both_neighbours(api_client, ctx):
    five_titles(ctx)
    path = "http://testserver/stores/1/inventory/"
    first = api_client.get(URL.format(1), {"page_size": 2}).json()
    assert_envelope(first, count=5, page=1, page_size=2, total_pages=3)
    assert [r["product_id"] for r in first["results"]] == [5, 2]
    assert first["previous"] is None
    assert link(first["next"]) == (path, {"page": ["2"], "page_size": ["2"]})

    middle = api_client.get(first["next"]).json()
    assert_envelope(middle, count=5, page=2, page_size=2, total_pages=3)
    assert [r["product_id"] for r in middle["results"]] == [4, 3]
    assert link(middle["previous"]) == (path, {"page": ["1"], "page_size": ["2"]})
    assert link(middle["next"]) == (path, {"page": ["3"], "page_size": ["2"]})

    last = api_client.get(middle["next"]).json()
    assert_envelope(last, count=5, page=3, page_size=2, total_pages=3)
    assert [r["product_id"] for r in last["results"]] == [1]
    assert last["next"] is None


def test_inventory_default_page_size_is_100(api_client, ctx):
    five_titles(ctx)
    body = api_client.get(URL.format(1)).json()
    assert_envelope(body, count=5, page=1, page_size=100, total_pages=1)
    assert body["next"] is None and body["previous"] is None


@pytest.mark.parametrize("page_size", ["501", "10000", "99999999999999999999"])
def test_inventory_page_size_over_500_is_clamped_to_500(api_client, ctx, page_size):
    five_titles(ctx)
    response = api_client.get(URL.format(1), {"page_size": page_size})
    assert response.status_code == 200
    assert_envelope(response.json(), count=5, page=1, page_size=500, total_pages=1)


def test_inventory_page_past_the_end_is_404_problem(api_client, ctx):
    five_titles(ctx)
    assert api_client.get(URL.format(1), {"page": 3, "page_size": 2}).status_code == 200
    body = assert_problem(api_client.get(URL.format(1), {"page": 4, "page_size": 2}), 404)
    assert body["type"] == "/problems/page-out-of-range"


def test_a_store_with_no_stock_has_an_empty_first_page_and_no_second(api_client, ctx):
    shop(ctx, 3)
    project()
    body = api_client.get(URL.format(3)).json()
    assert_envelope(body, count=0, page=1, page_size=100, total_pages=0)
    assert body["results"] == []
    assert_problem(api_client.get(URL.format(3), {"page": 2}), 404)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "1e2", "--1", "²", " ", "1 2"])
def test_inventory_page_that_is_not_a_positive_integer_is_400_naming_page(api_client, ctx, page):
    five_titles(ctx)
    assert_problem(api_client.get(URL.format(1), {"page": page}), 400, "page")


@pytest.mark.parametrize("page_size", ["0", "-5", "ten", "2.0", "0x10"])
def test_inventory_bad_page_size_is_400_naming_page_size(api_client, ctx, page_size):
    five_titles(ctx)
    assert_problem(api_client.get(URL.format(1), {"page_size": page_size}), 400, "page_size")


def test_inventory_of_an_unknown_store_is_404_problem(api_client, ctx):
    five_titles(ctx)
    body = assert_problem(api_client.get(URL.format(99)), 404)
    assert "99" in body["detail"]


def test_inventory_runs_the_same_number_of_queries_for_1_and_30_rows(
    api_client, ctx, django_assert_max_num_queries
):
    shop(ctx, 1)
    shop(ctx, 2)
    for product_id in range(1, 31):
        product(ctx, product_id, f"Item {product_id:02}")
        stock(ctx, 2, product_id, product_id)
    stock(ctx, 1, 1, 5)
    project()
    with django_assert_max_num_queries(4) as one_row:
        assert api_client.get(URL.format(1)).json()["count"] == 1
    with django_assert_max_num_queries(4) as thirty_rows:
        assert api_client.get(URL.format(2)).json()["count"] == 30
    assert len(one_row) == len(thirty_rows)
