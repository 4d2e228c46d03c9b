"""`GET /stores/<store_id>/orders/` and `GET /orders/<order_id>/` (docs/api-reference.md)."""

import json
import uuid

import pytest

from .read_fixtures import (
    assert_envelope,
    assert_problem,
    fresh_read_side,
    link,
    order,
    product,
    project,
    shop,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/stores/{}/orders/"
ROW_KEYS = {"id", "status", "created_at", "total_items", "total_quantity"}


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


def grocer(ctx, store_ids=(1, 2)) -> None:
    """Stores stocking products 1-3 (20 units each); product 4 exists but is stocked nowhere."""
    for store_id in store_ids:
        shop(ctx, store_id)
    for product_id in (1, 2, 3, 4):
        product(ctx, product_id, f"Product {product_id}")
    for store_id in store_ids:
        for product_id in (1, 2, 3):
            stock(ctx, store_id, product_id, 20)


def post_order(api_client, store_id: int, *lines: tuple[int, int]) -> dict:
    items = [{"product_id": p, "quantity_requested": q} for p, q in lines]
    body = json.dumps({"store_id": store_id, "items": items})
    response = api_client.post("/orders/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_store_orders_are_listed_newest_first_with_lines_and_units_totals(api_client, ctx):
    grocer(ctx)
    first = order(ctx, 1, (1, 2), (2, 3))
    rejected = order(ctx, 1, (4, 1))
    order(ctx, 2, (1, 1))
    last = order(ctx, 1, (1, 1), (2, 1), (3, 4))
    project()
    response = api_client.get(URL.format(1))
    assert response.status_code == 200
    body = response.json()
    assert_envelope(body, count=3, page=1, page_size=20, total_pages=1)
    assert all(set(row) == ROW_KEYS for row in body["results"])
    assert [
        (row["id"], row["status"], row["total_items"], row["total_quantity"])
        for row in body["results"]
    ] == [
        (str(last.order.id), "CONFIRMED", 3, 6),
        (str(rejected.order.id), "REJECTED", 1, 1),
        (str(first.order.id), "CONFIRMED", 2, 5),
    ]
    created = [row["created_at"] for row in body["results"]]
    assert created == sorted(created, reverse=True)
    assert all(moment.endswith("Z") for moment in created)


def test_store_orders_created_at_is_the_time_the_order_was_placed(api_client, ctx):
    grocer(ctx)
    placed = post_order(api_client, 1, (1, 1))
    project()
    row = api_client.get(URL.format(1)).json()["results"][0]
    assert (row["id"], row["created_at"]) == (placed["id"], placed["created_at"])


def test_store_orders_pages_link_neighbours_and_stop_at_the_last_page(api_client, ctx):
    grocer(ctx)
    ids = [str(order(ctx, 1, (1, 1)).order.id) for _ in range(5)]
    project()
    path = "http://testserver/stores/1/orders/"
    first = api_client.get(URL.format(1), {"page_size": 2}).json()
    assert_envelope(first, count=5, page=1, page_size=2, total_pages=3)
    assert [row["id"] for row in first["results"]] == ids[::-1][:2]
    assert first["previous"] is None
    assert link(first["next"]) == (path, {"page": ["2"], "page_size": ["2"]})
    last = api_client.get(URL.format(1), {"page_size": 2, "page": 3}).json()
    assert [row["id"] for row in last["results"]] == [ids[0]]
    assert last["next"] is None
    assert link(last["previous"]) == (path, {"page": ["2"], "page_size": ["2"]})
    body = assert_problem(api_client.get(URL.format(1), {"page_size": 2, "page": 4}), 404)
    assert body["type"] == "/problems/page-out-of-range"


def test_store_orders_page_size_over_100_is_clamped_to_100(api_client, ctx):
    grocer(ctx)
    order(ctx, 1, (1, 1))
    project()
    body = api_client.get(URL.format(1), {"page_size": 101}).json()
    assert_envelope(body, count=1, page=1, page_size=100, total_pages=1)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("page", "0"),
        ("page", "-1"),
        ("page", "abc"),
        ("page", "2.5"),
        ("page_size", "0"),
        ("page_size", "-1"),
        ("page_size", "many"),
    ],
)
def test_store_orders_bad_paging_is_400_naming_the_parameter(api_client, ctx, param, value):
    grocer(ctx)
    project()
    assert_problem(api_client.get(URL.format(1), {param: value}), 400, param)


def test_a_store_without_orders_lists_none(api_client, ctx):
    grocer(ctx)
    order(ctx, 2, (1, 1))
    project()
    body = api_client.get(URL.format(1)).json()
    assert_envelope(body, count=0, page=1, page_size=20, total_pages=0)
    assert body["results"] == []


def test_orders_of_an_unknown_store_is_404_problem(api_client, ctx):
    grocer(ctx)
    project()
    assert_problem(api_client.get(URL.format(99)), 404)


def test_store_orders_runs_the_same_number_of_queries_for_1_and_30_orders(
    api_client, ctx, django_assert_max_num_queries
):
    grocer(ctx)
    order(ctx, 1, (1, 1), (2, 1))
    for _ in range(30):
        order(ctx, 2, (1, 1), (2, 1), (3, 1))
    project()
    with django_assert_max_num_queries(4) as one_order:
        assert api_client.get(URL.format(1)).json()["count"] == 1
    with django_assert_max_num_queries(4) as thirty_orders:
        assert len(api_client.get(URL.format(2), {"page_size": 30}).json()["results"]) == 30
    assert len(one_order) == len(thirty_orders)


@pytest.mark.parametrize(
    "lines", [((1, 2), (3, 5)), ((1, 2), (4, 1), (2, 30))], ids=["confirmed", "rejected"]
)
def test_order_detail_answers_exactly_what_the_post_answered(api_client, ctx, lines):
    grocer(ctx)
    placed = post_order(api_client, 1, *lines)
    project()
    response = api_client.get(f"/orders/{placed['id']}/")
    assert response.status_code == 200
    assert response.json() == placed


def test_order_detail_runs_a_constant_number_of_queries(
    api_client, ctx, django_assert_max_num_queries
):
    grocer(ctx)
    small = post_order(api_client, 1, (1, 1))
    large = post_order(api_client, 1, (1, 1), (2, 1), (3, 1), (4, 1))
    project()
    with django_assert_max_num_queries(2) as one_line:
        api_client.get(f"/orders/{small['id']}/")
    with django_assert_max_num_queries(2) as four_lines:
        api_client.get(f"/orders/{large['id']}/")
    assert len(one_line) == len(four_lines)


def test_order_detail_of_an_unknown_order_is_404_problem(api_client, ctx):
    grocer(ctx)
    project()
    body = assert_problem(api_client.get(f"/orders/{uuid.uuid4()}/"), 404)
    assert body["type"] == "/problems/not-found"


@pytest.mark.parametrize("order_id", ["not-a-uuid", "12345", "0" * 33])
def test_order_detail_with_a_malformed_id_is_404_problem(api_client, ctx, order_id):
    assert_problem(api_client.get(f"/orders/{order_id}/"), 404)
