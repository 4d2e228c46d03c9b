"""`POST /orders/<id>/cancel/` through DRF's test client, and what the read side shows after."""

import json
from io import StringIO
from uuid import uuid4

import pytest
from django.core.management import call_command

from command_side.place_order import place_order
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import OrderStatusCount
from tests.command_side.test_place_order import order, quantity_of, stocked

pytestmark = [pytest.mark.api, pytest.mark.django_db]
PROBLEM_JSON = "application/problem+json"


def cancel(client, order_id, body=None, content_type="application/json"):
    data = body if body is None or isinstance(body, str) else json.dumps(body)
    return client.post(f"/orders/{order_id}/cancel/", data, content_type=content_type)


def head(ctx) -> int:
    return ctx.app.recorder.max_notification_id() or 0


@pytest.fixture
def confirmed(ctx):
    stocked(ctx, {1: 10, 2: 5})
    return place_order(ctx, order(1, (1, 3), (2, 5))).order


def test_cancelling_a_confirmed_order_answers_200_with_the_cancelled_order(api_client, confirmed):
    response = cancel(api_client, confirmed.id, {"reason": "Ordered by mistake"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "CANCELLED" and body["cancellation_reason"] == "Ordered by mistake"
    assert body["cancelled_at"].endswith("Z") and body["id"] == str(confirmed.id)
    assert body["total_quantity"] == 8 and len(body["items"]) == 2


def test_a_second_cancel_answers_the_same_body_and_appends_nothing(api_client, ctx, confirmed):
    first = cancel(api_client, confirmed.id)
    before = head(ctx)
    again = cancel(api_client, confirmed.id, {"reason": "other"})
    assert again.status_code == 200 and again.json() == first.json()
    assert head(ctx) == before


def test_cancelling_a_rejected_order_is_409_and_writes_nothing(api_client, ctx):
    stocked(ctx, {1: 1})
    rejected = place_order(ctx, order(1, (1, 5))).order
    before = head(ctx)
    response = cancel(api_client, rejected.id)
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM_JSON
    assert response.json()["type"] == "/problems/order-not-cancellable"
    assert head(ctx) == before


@pytest.mark.parametrize("order_id", [uuid4(), "not-a-uuid", "123"])
def test_an_unknown_or_malformed_id_is_404_problem_json(api_client, ctx, order_id):
    response = cancel(api_client, order_id)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM_JSON


@pytest.mark.parametrize(
    "body", [{"reason": 5}, {"reason": None}, {"reason": "x" * 201}, {"reason": ["a"]}]
)
def test_a_bad_reason_is_400_naming_the_field_and_changes_nothing(api_client, ctx, confirmed, body):
    before = head(ctx)
    response = cancel(api_client, confirmed.id, body)
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert head(ctx) == before and quantity_of(ctx, 1, 1) == 7


def test_a_body_that_is_not_an_object_is_400(api_client, ctx, confirmed):
    response = cancel(api_client, confirmed.id, "[1]")
    assert response.status_code == 400 and response.json()["errors"]


def test_after_projection_the_read_side_shows_the_cancellation(api_client, ctx, confirmed):
    position = cancel(api_client, confirmed.id, {"reason": "late"}).json()["position"]
    catch_up(select(None))
    detail = api_client.get(f"/orders/{confirmed.id}/?min_position={position}").json()
    assert detail["status"] == "CANCELLED" and detail["cancellation_reason"] == "late"
    assert detail["cancelled_at"] is not None
    listing = api_client.get("/stores/1/orders/").json()["results"]
    assert [row["status"] for row in listing] == ["CANCELLED"]
    inventory = api_client.get(f"/stores/1/inventory/?min_position={position}").json()
    assert {r["product_id"]: r["quantity"] for r in inventory["results"]} == {1: 10, 2: 5}
    assert dict(OrderStatusCount.objects.values_list("status", "orders")) == {"CANCELLED": 1}
    history = api_client.get("/stores/1/inventory/1/history/").json()["results"]
    assert history[-1]["type"] == "StockReleased"
    assert (history[-1]["quantity_change"], history[-1]["quantity_after"]) == (3, 10)
    assert history[-1]["order_id"] == str(confirmed.id)


def test_an_order_not_cancelled_shows_null_cancellation_fields(api_client, ctx, confirmed):
    catch_up(select(None))
    detail = api_client.get(f"/orders/{confirmed.id}/").json()
    assert (detail["cancelled_at"], detail["cancellation_reason"]) == (None, None)


def test_the_audit_commands_show_and_check_the_release(api_client, ctx, confirmed):
    cancel(api_client, confirmed.id)
    catch_up(select(None))
    out = StringIO()
    call_command("audit_order", str(confirmed.id), stdout=out)
    assert "OrderCancelled" in out.getvalue()
    out = StringIO()
    call_command("audit_stock", "1", "1", stdout=out)
    assert "StockReleased" in out.getvalue() and "agree on 10" in out.getvalue()
