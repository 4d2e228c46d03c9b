"""The audit endpoints read from the event store (docs/api-reference.md, audit): an order's events
with their versions and positions and its state as of a version; a stock item's movements with the
running quantity, paged, agreeing with the inventory read table. A request reads what it returns: an
id of another kind costs one row, a page its own events whatever the history."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import uuid4

import pytest
from rest_framework.test import APIClient

import command_side.history
from aforro_backend import composition
from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext, utc_now
from command_side.ids import stock_item_id, store_aggregate_id
from command_side.stock import StockItem
from projections.catch_up import catch_up
from projections.registry import select
from query_side.models import InventoryRow

pytestmark = [pytest.mark.api, pytest.mark.django_db]

PROBLEM_JSON = "application/problem+json"
ENTRY_KEYS = {"version", "type", "recorded_at", "position", "data", "metadata"}


@pytest.fixture
def api_client() -> APIClient:
    """Requests as they reach gunicorn behind the TLS proxy: outside the embedded mode plain
    HTTP is redirected to HTTPS (settings, production hardening)."""
    return APIClient(HTTP_X_FORWARDED_PROTO="https")


@pytest.fixture
def shop(ctx: CommandContext) -> CommandContext:
    """Store 1 with 10 Milk (product 1) and 5 Bread (product 2)."""
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    register_product(ctx, "Bread", "", Decimal("1.50"), "Bakery", product_id=2)
    receive_stock(ctx, 1, 1, 10)
    receive_stock(ctx, 1, 2, 5)
    return ctx


def post_order(client: APIClient, *lines: tuple[int, int]) -> dict:
    items = [{"product_id": p, "quantity_requested": q} for p, q in lines]
    body = json.dumps({"store_id": 1, "items": items})
    response = client.post("/orders/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def order_history(client: APIClient, order_id: str, **params):
    return client.get(f"/orders/{order_id}/history/", params)


def stock_history(client: APIClient, store_id: int, product_id: int, **params):
    return client.get(f"/stores/{store_id}/inventory/{product_id}/history/", params)


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in body["errors"], body
    return body


def test_confirmed_order_history_is_placed_then_reserved_with_the_position_post_returned(
    shop, api_client
):
    placed = post_order(api_client, (1, 3), (2, 1))
    response = order_history(api_client, placed["id"])
    assert response.status_code == 200
    events = response.json()
    assert [set(e) for e in events] == [ENTRY_KEYS, ENTRY_KEYS]
    assert [(e["version"], e["type"]) for e in events] == [(1, "OrderPlaced"), (2, "StockReserved")]
    positions = [e["position"] for e in events]
    assert positions == sorted(set(positions)) and positions[-1] == placed["position"]
    assert all(e["recorded_at"].endswith("Z") for e in events)
    assert events[0]["data"]["store_id"] == 1
    titles = [
        (line["product_title"], line["quantity_requested"]) for line in events[0]["data"]["lines"]
    ]
    assert titles == [("Milk", 3), ("Bread", 1)]
    assert events[1]["data"]["lines"] == [
        {"product_id": 1, "quantity": 3},
        {"product_id": 2, "quantity": 1},
    ]


def test_rejected_order_history_is_placed_then_rejected_with_the_reasons(shop, api_client):
    placed = post_order(api_client, (1, 1), (2, 6))
    events = order_history(api_client, placed["id"]).json()
    assert [(e["version"], e["type"]) for e in events] == [(1, "OrderPlaced"), (2, "OrderRejected")]
    assert events[-1]["position"] == placed["position"]
    assert events[1]["data"]["reasons"] == [
        {"product_id": 2, "requested": 6, "available": 5, "code": "INSUFFICIENT_STOCK"}
    ]


@pytest.mark.parametrize(
    ("lines", "outcome"), [(((1, 2),), "CONFIRMED"), (((2, 99),), "REJECTED")], ids=str
)
def test_as_of_version_one_is_pending_and_version_two_is_the_outcome(
    shop, api_client, lines, outcome
):
    placed = post_order(api_client, *lines)
    everything = order_history(api_client, placed["id"]).json()
    for version, status in ((1, "PENDING"), (2, outcome)):
        response = order_history(api_client, placed["id"], as_of_version=version)
        assert response.status_code == 200
        body = response.json()
        assert body["as_of_version"] == version
        assert body["events"] == everything[:version]
        assert body["state"]["status"] == status
        assert body["state"]["id"] == placed["id"]
        assert body["state"]["position"] == everything[version - 1]["position"]
    assert body["state"] == placed  # the state as of the last version is what POST answered


@pytest.mark.parametrize("value", ["0", "99", "abc", "-1", "1.5"])
def test_as_of_version_outside_the_order_versions_is_a_400_naming_it(shop, api_client, value):
    placed = post_order(api_client, (1, 1))
    response = order_history(api_client, placed["id"], as_of_version=value)
    assert_problem(response, 400, "as_of_version")


def test_history_of_an_unknown_order_is_a_404_problem(shop, api_client):
    body = assert_problem(order_history(api_client, str(uuid4())), 404)
    assert body["type"] == "/problems/not-found"


@pytest.mark.parametrize("as_of", [None, 1])
def test_history_of_an_aggregate_that_is_not_an_order_is_a_404_problem(shop, api_client, as_of):
    """Stock items and stores have deterministic ids anyone can compute: not orders all the same."""
    params = {} if as_of is None else {"as_of_version": as_of}
    for aggregate_id in (stock_item_id(1, 1), store_aggregate_id(1)):
        response = order_history(api_client, str(aggregate_id), **params)
        assert assert_problem(response, 404)["type"] == "/problems/not-found"


def test_stock_history_shows_each_movement_with_its_order_and_the_running_quantity(
    shop, api_client
):
    receive_stock(shop, 1, 1, 5)
    first = post_order(api_client, (1, 3), (2, 1))
    post_order(api_client, (1, 50))  # rejected: no movement
    second = post_order(api_client, (1, 4))
    response = stock_history(api_client, 1, 1)
    assert response.status_code == 200
    body = response.json()
    moves = [
        (m["version"], m["type"], m["quantity_change"], m["quantity_after"], m["order_id"])
        for m in body["results"]
    ]
    assert moves == [
        (1, "StockItemOpened", 0, 0, None),
        (2, "StockReceived", 10, 10, None),
        (3, "StockReceived", 5, 15, None),
        (4, "StockItemReserved", -3, 12, first["id"]),
        (5, "StockItemReserved", -4, 8, second["id"]),
    ]
    positions = [m["position"] for m in body["results"]]
    assert positions == sorted(set(positions))
    assert body["count"] == 5 and body["total_pages"] == 1


def test_stock_history_pages_of_two_hold_every_movement_once_and_past_the_end_is_404(
    shop, api_client
):
    for quantity in (1, 2, 3):
        post_order(api_client, (1, quantity))
    everything = stock_history(api_client, 1, 1).json()["results"]
    assert len(everything) == 5
    pages = [stock_history(api_client, 1, 1, page=n, page_size=2).json() for n in (1, 2, 3)]
    assert [[m["version"] for m in p["results"]] for p in pages] == [[1, 2], [3, 4], [5]]
    assert [p["results"] for p in pages] == [everything[0:2], everything[2:4], everything[4:]]
    assert {(p["count"], p["total_pages"], p["page_size"]) for p in pages} == {(5, 3, 2)}
    assert pages[0]["previous"] is None and "page=2" in pages[0]["next"]
    assert pages[2]["next"] is None
    past_the_end = stock_history(api_client, 1, 1, page=4, page_size=2)
    assert assert_problem(past_the_end, 404)["type"] == "/problems/page-out-of-range"
    assert_problem(stock_history(api_client, 1, 1, page=0), 400, "page")


def test_stock_history_final_running_quantity_equals_the_inventory_read_table(shop, api_client):
    post_order(api_client, (1, 3), (2, 2))
    post_order(api_client, (2, 3))
    receive_stock(shop, 1, 2, 7)
    catch_up(select(None))
    for product_id in (1, 2):
        last = stock_history(api_client, 1, product_id).json()["results"][-1]
        row = InventoryRow.objects.get(store_id=1, product_id=product_id)
        assert last["quantity_after"] == row.quantity
    assert InventoryRow.objects.get(store_id=1, product_id=2).quantity == 7


def test_stock_history_of_an_item_never_stocked_is_a_404_problem(shop, api_client):
    register_product(shop, "Eggs", "", Decimal("2.00"), "Dairy", product_id=3)
    for store_id, product_id in ((1, 3), (2, 1), (1, 404)):
        body = assert_problem(stock_history(api_client, store_id, product_id), 404)
        assert body["type"] == "/problems/not-found"


@dataclass
class Reads:
    """What the event store handed back: rows selected (events and positions) and the versions
    of the stored events decoded into domain events (snapshots included)."""

    rows: int = 0
    decoded: list[int] = field(default_factory=list)

    def forget(self) -> None:
        """Count from here: what the test itself read to set up is not the request's."""
        self.rows, self.decoded = 0, []


@pytest.fixture
def reads(ctx: CommandContext, monkeypatch) -> Reads:
    """A spy on the real reads of every application, fresh ones included (class level): each
    call goes through to the database and is counted."""
    seen = Reads()
    recorder_classes = {type(ctx.app.recorder), type(ctx.app.snapshots.recorder)}
    selects = {cls: cls.select_events for cls in recorder_classes}  # before any is patched
    for cls, original in selects.items():

        def counting_select(self, *args, _original=original, **kwargs):
            rows = _original(self, *args, **kwargs)
            seen.rows += len(rows)
            return rows

        monkeypatch.setattr(cls, "select_events", counting_select)
    mapper_class = type(ctx.app.mapper)
    decode = mapper_class.to_domain_event

    def counting_decode(self, stored):
        seen.decoded.append(stored.originator_version)
        return decode(self, stored)

    monkeypatch.setattr(mapper_class, "to_domain_event", counting_decode)
    positions = command_side.history.positions_by_version

    def counting_positions(*args, **kwargs):
        found = positions(*args, **kwargs)
        seen.rows += len(found)
        return found

    monkeypatch.setattr(command_side.history, "positions_by_version", counting_positions)
    return seen


def movements(ctx: CommandContext, store_id: int, product_id: int, count: int, seed: int = 7):
    """`count` more receipts and reservations of an open stock item, saved in one append."""
    rng = random.Random(seed)
    item = ctx.app.load(StockItem, stock_item_id(store_id, product_id))
    for _ in range(count):
        if item.quantity and rng.random() < 0.5:
            item.reserve(uuid4(), rng.randint(1, item.quantity), utc_now())
        else:
            item.receive(rng.randint(1, 20), utc_now())
    ctx.app.save(item)
    return item


@pytest.mark.parametrize("as_of", [None, 1, 5])
def test_order_history_of_a_stock_item_with_a_long_history_is_a_404_after_one_row(
    shop, api_client, reads, as_of
):
    assert movements(shop, 1, 1, 1_000).version == 1_002
    params = {} if as_of is None else {"as_of_version": as_of}
    reads.forget()
    response = order_history(api_client, str(stock_item_id(1, 1)), **params)
    assert assert_problem(response, 404)["type"] == "/problems/not-found"
    assert (reads.rows, reads.decoded) == (1, [])


def test_order_history_as_of_a_version_reads_no_later_version(shop, api_client, reads):
    placed = post_order(api_client, (1, 2))
    reads.forget()
    response = order_history(api_client, placed["id"], as_of_version=1)
    assert response.json()["state"]["status"] == "PENDING"
    assert reads.decoded and max(reads.decoded) == 1


def test_stock_history_pages_of_a_long_history_decode_only_their_own_events_and_run_right(
    shop, api_client, reads
):
    """Cold, as after a restart or for any item out of the aggregate cache: no snapshot, no
    tail, no event before the page; and every page's running quantity matches a recomputation
    from the first movement."""
    item = movements(shop, 1, 1, 248)
    assert item.version == 250
    pages = []
    for number in (1, 2, 3):
        composition.reset()
        reads.forget()
        body = stock_history(api_client, 1, 1, page=number, page_size=100).json()
        versions = [m["version"] for m in body["results"]]
        assert versions == list(range(100 * number - 99, min(100 * number, 250) + 1))
        assert reads.decoded == versions
        assert reads.rows <= 1 + 2 * len(versions)  # the newest row, the page, its positions
        assert body["count"] == 250
        pages += body["results"]
    running = 0
    for movement in pages:
        running += movement["quantity_change"]
        assert movement["quantity_after"] == running, movement["version"]
    assert running == item.quantity
