"""One request id end to end: the X-Request-ID a client sends (or the one made for it) is echoed,
and every event the request wrote records it as correlation_id, read back from the event store
through the history endpoints; an event written because of another names it as causation_id."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from command_side.catalog_commands import receive_stock
from events import correlation
from projections.catch_up import catch_up
from projections.registry import select
from tests.api import test_history_api
from tests.api.test_history_api import order_history, stock_history

# The same client (behind the TLS proxy) and shop as the history endpoint's own tests.
api_client, shop = test_history_api.api_client, test_history_api.shop

pytestmark = [pytest.mark.api, pytest.mark.django_db]

MADE_ID = re.compile(r"[0-9a-f]{32}")


def post_order(client, request_id: str | None, *lines: tuple[int, int]):
    items = [{"product_id": p, "quantity_requested": q} for p, q in lines]
    headers = {} if request_id is None else {"HTTP_X_REQUEST_ID": request_id}
    body = json.dumps({"store_id": 1, "items": items})
    return client.post("/orders/", body, content_type="application/json", **headers)


def metadata(entries: list[dict]) -> list[tuple[str, str | None, str | None]]:
    return [
        (e["type"], e["metadata"]["correlation_id"], e["metadata"]["causation_id"]) for e in entries
    ]


def movements(client, product_id: int) -> list[dict]:
    return stock_history(client, 1, product_id).json()["results"]


def last_movements(client) -> list[tuple[str, str | None, str | None]]:
    """Type, correlation and causation of the newest movement of products 1 and 2."""
    return [metadata(movements(client, product_id))[-1] for product_id in (1, 2)]


def test_every_event_of_a_placement_records_the_clients_request_id(shop, api_client):
    response = post_order(api_client, "shop-42.checkout:7_A-b", (1, 3), (2, 1))
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "shop-42.checkout:7_A-b"
    order_id = response.json()["id"]
    placed = f"{order_id}:1"
    assert metadata(order_history(api_client, order_id).json()) == [
        ("OrderPlaced", "shop-42.checkout:7_A-b", None),
        ("StockReserved", "shop-42.checkout:7_A-b", placed),
    ]
    assert (
        last_movements(api_client) == [("StockItemReserved", "shop-42.checkout:7_A-b", placed)] * 2
    )


def test_a_rejection_is_caused_by_the_placement_too(shop, api_client):
    order_id = post_order(api_client, "reject-me", (2, 99)).json()["id"]
    assert metadata(order_history(api_client, order_id).json())[-1] == (
        "OrderRejected",
        "reject-me",
        f"{order_id}:1",
    )


@pytest.mark.parametrize(
    "sent",
    ["has space", "x" * 201, "semi;colon", "ümlaut", ""],
    ids=["space", "201", ";", "ü", "-"],
)
def test_an_invalid_request_id_is_replaced_and_the_events_record_the_replacement(
    shop, api_client, sent
):
    response = post_order(api_client, sent, (1, 1))
    assert response.status_code == 201, response.content
    made = response["X-Request-ID"]
    assert made != sent and MADE_ID.fullmatch(made)
    entries = order_history(api_client, response.json()["id"]).json()
    assert {e["metadata"]["correlation_id"] for e in entries} == {made}


def test_without_a_header_each_request_gets_its_own_id(shop, api_client):
    first, second = post_order(api_client, None, (1, 1)), post_order(api_client, None, (1, 1))
    assert MADE_ID.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert correlation.current_id() is None  # the middleware unbinds the id after the request
    order_id = second.json()["id"]
    history = api_client.get(f"/orders/{order_id}/history/", HTTP_X_REQUEST_ID="reader")
    assert history["X-Request-ID"] == "reader"
    assert {e["metadata"]["correlation_id"] for e in history.json()} == {second["X-Request-ID"]}


def test_the_stock_releases_of_a_cancel_are_caused_by_the_order_cancelled(shop, api_client):
    order_id = post_order(api_client, "place-1", (1, 3), (2, 1)).json()["id"]
    response = api_client.post(
        f"/orders/{order_id}/cancel/",
        "{}",
        content_type="application/json",
        HTTP_X_REQUEST_ID="undo-1",
    )
    assert response.status_code == 200, response.content
    assert response["X-Request-ID"] == "undo-1"
    history = order_history(api_client, order_id).json()
    assert metadata(history)[-1] == ("OrderCancelled", "undo-1", None)
    cancelled = f"{order_id}:{history[-1]['version']}"
    assert last_movements(api_client) == [("StockReleased", "undo-1", cancelled)] * 2


def test_a_command_run_outside_http_records_one_id_of_its_own(shop, api_client):
    """The shop fixture stocked both items by calling the command side directly."""
    received = [metadata(movements(api_client, p))[1] for p in (1, 2)]
    assert [kind for kind, _, _ in received] == ["StockReceived", "StockReceived"]
    (run_id,) = {correlation for _, correlation, _ in received}
    assert run_id.startswith("run-") and all(cause is None for _, _, cause in received)
    receive_stock(shop, 1, 1, 1)
    assert metadata(movements(api_client, 1))[-1][1] == run_id


def test_audit_order_shows_each_events_correlation_and_cause(shop, api_client):
    order_id = post_order(api_client, "audit-me", (1, 1)).json()["id"]
    out = StringIO()
    call_command("audit_order", order_id, stdout=out)
    placed, reserved = out.getvalue().splitlines()
    assert "OrderPlaced" in placed and "correlation=audit-me cause=- {" in placed
    assert "StockReserved" in reserved and f"correlation=audit-me cause={order_id}:1 {{" in reserved
    catch_up(select(None))  # audit_stock compares with the inventory read table
    stock = StringIO()
    call_command("audit_stock", "1", "1", stdout=stock, stderr=StringIO())
    assert f"correlation=audit-me cause={order_id}:1 {order_id}" in stock.getvalue()
