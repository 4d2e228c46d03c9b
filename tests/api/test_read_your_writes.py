"""`?min_position=N` on every read endpoint (API.md, Common): the answer waits for the projection
behind it to reach N, answers 503 with Retry-After when it does not in time, and refuses a value
that is not a position."""

import json

import pytest

from query_side.selectors.projection_progress import projection_position

from .read_fixtures import (
    BackgroundProjectors,
    assert_problem,
    fresh_read_side,
    product,
    project,
    shop,
    start_when_the_read_polls,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

READS = {
    "inventory": ("/stores/1/inventory/", {}),
    "store orders": ("/stores/1/orders/", {}),
    "search": ("/api/search/products/", {"q": "milk"}),
    "suggest": ("/api/search/suggest/", {"q": "mil"}),
}


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def dairy(ctx):
    shop(ctx, 1)
    product(ctx, 1, "Milk 1L", "1.20")
    stock(ctx, 1, 1, 10)
    project()
    return ctx


@pytest.fixture
def projectors(transactional_db):
    background = BackgroundProjectors()
    yield background
    background.stop()


def post_order(api_client, quantity: int) -> dict:
    body = json.dumps({"store_id": 1, "items": [{"product_id": 1, "quantity_requested": quantity}]})
    response = api_client.post("/orders/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def read_when_projected(api_client, projectors, path: str, params: dict):
    """GET with the projectors started only once the request has found them behind."""
    with start_when_the_read_polls(projectors) as polls:
        response = api_client.get(path, params)
    assert polls() >= 2
    return response


@pytest.mark.django_db(transaction=True)
def test_order_detail_at_the_post_position_waits_for_the_order_to_be_projected(
    api_client, dairy, projectors
):
    placed = post_order(api_client, 2)
    path = f"/orders/{placed['id']}/"
    assert_problem(api_client.get(path), 404)  # not projected yet: no such order on the read side
    response = read_when_projected(
        api_client, projectors, path, {"min_position": placed["position"]}
    )
    assert response.status_code == 200
    assert response.json() == placed


@pytest.mark.django_db(transaction=True)
def test_store_orders_at_the_post_position_list_the_new_order(api_client, dairy, projectors):
    assert api_client.get("/stores/1/orders/").json()["count"] == 0  # cached empty
    placed = post_order(api_client, 2)
    response = read_when_projected(
        api_client, projectors, "/stores/1/orders/", {"min_position": placed["position"]}
    )
    assert [row["id"] for row in response.json()["results"]] == [placed["id"]]


@pytest.mark.django_db(transaction=True)
def test_search_at_the_post_position_shows_the_stores_new_quantity(api_client, dairy, projectors):
    params = {"q": "milk", "store_id": 1}
    assert search_quantity(api_client.get("/api/search/products/", params)) == 10  # cached
    placed = post_order(api_client, 4)
    assert projection_position("catalog") < placed["position"]
    response = read_when_projected(
        api_client,
        projectors,
        "/api/search/products/",
        {**params, "min_position": placed["position"]},
    )
    assert search_quantity(response) == 6


def search_quantity(response) -> int:
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    return row["store_quantity"]


@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_a_position_already_projected_answers_at_once(api_client, dairy, read):
    path, params = READS[read]
    reached = projection_position("catalog")
    response = api_client.get(path, {**params, "min_position": reached})
    assert response.status_code == 200
    assert api_client.get(path, {**params, "min_position": 0}).status_code == 200


@pytest.mark.parametrize("read", [*READS, "order detail"])
def test_a_position_not_reached_in_time_is_503_with_retry_after(api_client, dairy, settings, read):
    settings.MIN_POSITION_WAIT_SECONDS = 0.2
    path, params = READS.get(read, ("/orders/00000000-0000-4000-8000-000000000000/", {}))
    response = api_client.get(path, {**params, "min_position": 10**12})
    body = assert_problem(response, 503)
    assert body["type"] == "/problems/not-yet-projected"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("value", ["-1", "soon", "1.5", "9" * 20, "²"])
@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_a_min_position_that_is_not_a_position_is_400_naming_it(api_client, dairy, read, value):
    path, params = READS[read]
    assert_problem(api_client.get(path, {**params, "min_position": value}), 400, "min_position")
