"""History stored before event versioning (fixtures/stored_events_v1.json, rows as written by
the code of that time) still loads, projects and answers through today's code."""

from __future__ import annotations

from uuid import UUID

import pytest
from rest_framework.test import APIClient

from command_side.ids import stock_item_id
from command_side.order import Order
from command_side.stock import StockItem
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow, OrderRow

from .stored_rows import insert_fixture

pytestmark = pytest.mark.django_db

CONFIRMED_ORDER, SHORT_ORDER, NEVER_STOCKED_ORDER = UUID(int=1), UUID(int=2), UUID(int=3)
# v1 reasons carried no code: the documented rule reads every one as INSUFFICIENT_STOCK.
SHORT_REASONS = [{"product_id": 2, "requested": 9, "available": 4, "code": "INSUFFICIENT_STOCK"}]
NEVER_STOCKED_REASONS = [
    {"product_id": 3, "requested": 1, "available": 0, "code": "INSUFFICIENT_STOCK"}
]


@pytest.fixture
def v1_history(ctx):
    insert_fixture(ctx, "stored_events_v1.json")
    return ctx


@pytest.fixture
def api_client() -> APIClient:
    return APIClient(HTTP_X_FORWARDED_PROTO="https")


def test_v1_aggregates_load_with_their_state_and_rejection_reasons_gain_a_code(v1_history):
    app = v1_history.app
    assert app.load(Order, CONFIRMED_ORDER).status == "CONFIRMED"
    assert app.load(Order, SHORT_ORDER).rejection_reasons == SHORT_REASONS
    assert app.load(Order, NEVER_STOCKED_ORDER).rejection_reasons == NEVER_STOCKED_REASONS
    milk = app.load(StockItem, stock_item_id(1, 1))  # from the v1 snapshot and one event after
    assert (milk.version, milk.quantity) == (6, 10)
    assert app.load(StockItem, stock_item_id(1, 2)).quantity == 4


def test_v1_history_projects_into_the_read_tables_with_coded_reasons(v1_history):
    catch_up(select(None))
    rows = {r.order_id: r for r in OrderRow.objects.all()}
    assert [rows[i].status for i in sorted(rows)] == [
        "CONFIRMED",
        "REJECTED",
        "REJECTED",
        "CONFIRMED",
    ]
    assert rows[SHORT_ORDER].rejection_reasons == SHORT_REASONS
    assert rows[NEVER_STOCKED_ORDER].rejection_reasons == NEVER_STOCKED_REASONS
    quantities = dict(InventoryRow.objects.values_list("product_id", "quantity"))
    assert quantities == {1: 10, 2: 4}


def test_v1_history_endpoints_answer_with_the_upcast_events(v1_history, api_client):
    response = api_client.get(f"/orders/{SHORT_ORDER}/history/")
    assert response.status_code == 200, response.content
    events = response.json()
    assert [e["type"] for e in events] == ["OrderPlaced", "OrderRejected"]
    assert events[1]["data"]["reasons"] == SHORT_REASONS
    stock = api_client.get("/stores/1/inventory/1/history/").json()["results"]
    assert [e["quantity_after"] for e in stock] == [0, 10, 8, 5, 9, 10]


def test_v1_events_load_with_empty_correlation_metadata(v1_history, api_client):
    """Stored before correlation metadata existed: both ids null, nothing else changes."""
    orders = api_client.get(f"/orders/{CONFIRMED_ORDER}/history/").json()
    stock = api_client.get("/stores/1/inventory/1/history/").json()["results"]
    empty = {"correlation_id": None, "causation_id": None}
    assert [e["metadata"] for e in orders + stock] == [empty] * (len(orders) + len(stock))
