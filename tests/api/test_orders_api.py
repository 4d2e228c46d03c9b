"""`POST /orders/` (docs/api-reference.md) through DRF's test client against the real event
store."""

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from uuid import UUID

import pytest
from rest_framework.test import APIClient

from tests.command_side.test_lost_reply import SURFACES, lose_first_reply
from tests.command_side.test_place_order import quantity_of, stocked

pytestmark = [pytest.mark.api, pytest.mark.django_db]

PROBLEM_JSON = "application/problem+json"
ORDER_KEYS = {
    "id",
    "store_id",
    "status",
    "created_at",
    "items",
    "total_items",
    "total_quantity",
    "rejection_reasons",
    "cancelled_at",
    "cancellation_reason",
    "position",
}


def post_order(client: APIClient, body, content_type="application/json", **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/orders/", data, content_type=content_type, headers=headers)


def basket(*lines: tuple[int, int], store_id: int = 1) -> dict:
    items = [{"product_id": p, "quantity_requested": q} for p, q in lines]
    return {"store_id": store_id, "items": items}


def head(ctx) -> int:
    return ctx.app.recorder.max_notification_id() or 0


def placed_orders(ctx) -> int:
    notifications = ctx.app.recorder.select_notifications(start=1, limit=100_000)
    return sum(n.topic == "aforro.OrderPlaced" for n in notifications)


def test_a_confirmed_order_answers_201_with_the_documented_shape(api_client, ctx):
    stocked(ctx, {1: 10, 2: 5})
    response = post_order(api_client, basket((1, 2), (2, 5)))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == ORDER_KEYS
    assert UUID(body["id"]).version == 4
    assert body["created_at"].endswith("Z")
    created_at = datetime.fromisoformat(body["created_at"])
    assert created_at.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created_at).total_seconds()) < 60
    assert {k: v for k, v in body.items() if k not in ("id", "created_at")} == {
        "store_id": 1,
        "status": "CONFIRMED",
        "items": [
            {"product_id": 1, "product_title": "Product 1", "quantity_requested": 2},
            {"product_id": 2, "product_title": "Product 2", "quantity_requested": 5},
        ],
        "total_items": 2,
        "total_quantity": 7,
        "rejection_reasons": [],
        "cancelled_at": None,
        "cancellation_reason": None,
        "position": head(ctx),
    }
    assert (quantity_of(ctx, 1, 1), quantity_of(ctx, 1, 2)) == (8, 0)


def test_a_rejected_order_also_answers_201_with_a_reason_per_short_line(api_client, ctx):
    stocked(ctx, {1: 10, 2: 5, 3: 0})
    response = post_order(api_client, basket((1, 2), (2, 6), (3, 1)))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == ORDER_KEYS
    assert body["status"] == "REJECTED"
    assert body["rejection_reasons"] == [
        {"product_id": 2, "requested": 6, "available": 5, "code": "INSUFFICIENT_STOCK"},
        {"product_id": 3, "requested": 1, "available": 0, "code": "NOT_STOCKED"},
    ]
    assert (body["total_items"], body["total_quantity"]) == (3, 9)
    assert body["position"] == head(ctx)
    assert (quantity_of(ctx, 1, 1), quantity_of(ctx, 1, 2)) == (10, 5)


def one_line(quantity) -> dict:
    return {"store_id": 1, "items": [{"product_id": 1, "quantity_requested": quantity}]}


def bad(name: str, body, field: str, status: int = 400, **headers: str):
    """A row of the table: what is sent, and the status and error field it must get."""
    return pytest.param(body, headers, status, field, id=name)


QTY = "items[0].quantity_requested"
KEY = "Idempotency-Key"
ONE = basket((1, 1))
OVERSIZED = basket(*[(p, 1) for p in range(1, 60_000)])  # over Django's 2.5 MB body limit
INFINITE_QUANTITY = '{"store_id": 1, "items": [{"product_id": 1, "quantity_requested": 1e400}]}'
BAD_REQUESTS = [
    bad("missing items", {"store_id": 1}, "items"),
    bad("empty items", {"store_id": 1, "items": []}, "items"),
    bad("101 items", basket(*[(p, 1) for p in range(1, 102)]), "items"),
    bad("quantity 0", one_line(0), QTY),
    bad("quantity -1", one_line(-1), QTY),
    bad("quantity as a string", one_line("2"), QTY),
    bad("quantity as a fraction", one_line(2.5), QTY),
    bad("quantity as a float", one_line(2.0), QTY),
    bad("quantity null", one_line(None), QTY),
    bad("quantity true", one_line(True), QTY),
    bad("quantity huge", one_line(10**12), QTY),
    bad("quantity over the cap", one_line(1_000_001), QTY),
    bad("quantity infinite", INFINITE_QUANTITY, QTY),
    bad("missing store_id", {"items": ONE["items"]}, "store_id"),
    bad("store_id string", {**ONE, "store_id": "1"}, "store_id"),
    bad("store_id 0", {**ONE, "store_id": 0}, "store_id"),
    bad("store_id huge", {**ONE, "store_id": 10**12}, "store_id"),
    bad("unknown store", basket((1, 1), store_id=99), "store_id", 404),
    bad("unknown product", basket((1, 1), (404, 1)), "items"),
    bad("duplicate product", basket((1, 1), (1, 2)), "items"),
    bad("product_id huge", basket((10**12, 1)), "items[0].product_id"),
    bad("product_id string", basket(("1", 1)), "items[0].product_id"),
    bad("items object", {"store_id": 1, "items": {"product_id": 1}}, "items"),
    bad("item not an object", {"store_id": 1, "items": [1]}, "items[0]"),
    bad("non-JSON body", b'{"store_id": 1, "items": [', "body"),
    bad("empty body", b"", "store_id"),
    bad("JSON nested too deeply", b"[" * 100_000 + b"]" * 100_000, "body"),
    bad("body not UTF-8", b"\xff\xfe{}", "body"),
    bad("JSON array body", [ONE], "body"),
    bad("JSON null body", None, "body"),
    bad("Idempotency-Key of 201 characters", ONE, KEY, **{KEY: "k" * 201}),
    bad("empty Idempotency-Key", ONE, KEY, **{KEY: ""}),
    bad("body over the upload size limit", OVERSIZED, "body", 413),
]


@pytest.mark.parametrize(("body", "headers", "status", "field"), BAD_REQUESTS)
def test_bad_input_is_answered_with_a_problem_naming_the_field_and_writes_nothing(
    api_client, ctx, body, headers, status, field
):
    stocked(ctx, {1: 10})
    before = head(ctx)
    response = post_order(api_client, "null" if body is None else body, **headers)
    assert_problem(response, status, field)
    assert head(ctx) == before


def test_a_body_that_is_not_json_is_refused_as_an_unsupported_media_type(api_client, ctx):
    stocked(ctx, {1: 10})
    before = head(ctx)
    response = post_order(api_client, "store_id=1", content_type="text/plain")
    assert_problem(response, 415, "Content-Type")
    assert head(ctx) == before


def test_an_unknown_product_is_named_in_the_problem(api_client, ctx):
    stocked(ctx, {1: 10})
    response = post_order(api_client, basket((1, 1), (404, 1)))
    assert_problem(response, 400, "items")
    assert "404" in response.json()["errors"]["items"][0]


def assert_problem(response, status: int, field: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status
    assert field in body["errors"], body["errors"]


def test_the_same_idempotency_key_and_body_replays_the_first_answer(api_client, ctx):
    stocked(ctx, {1: 10})
    first = post_order(api_client, basket((1, 2)), **{"Idempotency-Key": "order-1"})
    again = post_order(api_client, basket((1, 2)), **{"Idempotency-Key": "order-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert placed_orders(ctx) == 1
    assert quantity_of(ctx, 1, 1) == 8


def test_the_same_idempotency_key_with_another_body_is_refused_with_422(api_client, ctx):
    stocked(ctx, {1: 10})
    post_order(api_client, basket((1, 2)), **{"Idempotency-Key": "order-1"})
    before = head(ctx)
    response = post_order(api_client, basket((1, 3)), **{"Idempotency-Key": "order-1"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    assert head(ctx) == before


@pytest.mark.parametrize("surfaces", SURFACES)
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "order-1"}], ids=["no key", "key"])
def test_an_order_whose_commit_reply_was_lost_answers_201_once_not_503(
    api_client, ctx, surfaces, headers
):
    stocked(ctx, {1: 10})
    with lose_first_reply(ctx.app.recorder, surfaces):
        response = post_order(api_client, basket((1, 2)), **headers)
    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response
    body = response.json()
    assert (body["status"], body["total_quantity"], body["position"]) == ("CONFIRMED", 2, head(ctx))
    assert placed_orders(ctx) == 1
    assert quantity_of(ctx, 1, 1) == 8
    if headers:  # and the client's own retry replays that very answer
        assert post_order(api_client, basket((1, 2)), **headers).json() == body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_sent_concurrently_places_exactly_one_order(ctx):
    stocked(ctx, {1: 100})
    senders = 20
    barrier = threading.Barrier(senders)

    def send(_: int):
        client = APIClient()
        barrier.wait()
        return post_order(client, basket((1, 1)), **{"Idempotency-Key": "shared"})

    with ThreadPoolExecutor(max_workers=senders) as pool:
        responses = list(pool.map(send, range(senders)))
    assert Counter(r.status_code for r in responses) == {201: 1, 200: senders - 1}
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert placed_orders(ctx) == 1
    assert quantity_of(ctx, 1, 1) == 99
