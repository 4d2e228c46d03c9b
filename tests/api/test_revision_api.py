"""`PATCH /products/<id>/` and `POST /stores/<id>/inventory/<product_id>/adjustments/`: staff
only, bodies validated by field, and once projected every read follows the revision."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.command_side.test_place_order import quantity_of, stocked

from .read_fixtures import assert_problem, fresh_read_side, order, product, project, shop, stock
from .test_orders_api import head
from .test_staff_api import client_with_token

pytestmark = [pytest.mark.api, pytest.mark.django_db]
ADJUST = "/stores/1/inventory/1/adjustments/"


@pytest.fixture
def staff_client():
    return client_with_token("staff", is_staff=True)


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


def patch(client, product_id: int, body):
    return client.patch(f"/products/{product_id}/", body, format="json")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("patch", "/products/1/", {"price": "2.00"}), ("post", ADJUST, {"delta": 1, "reason": "x"})],
)
def test_anonymous_and_non_staff_clients_are_refused_and_nothing_is_written(
    api_client, ctx, method, path, body
):
    stocked(ctx, {1: 5})
    before = head(ctx)
    assert getattr(api_client, method)(path, body, format="json").status_code == 401
    member = client_with_token("member", is_staff=False)
    assert getattr(member, method)(path, body, format="json").status_code == 403
    assert head(ctx) == before


def test_a_revision_answers_200_with_the_product_and_records_one_event(staff_client, ctx):
    stocked(ctx, {1: 0})
    before = head(ctx)
    response = patch(staff_client, 1, {"title": "Milk 1L", "price": "2.00"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": 1,
        "title": "Milk 1L",
        "description": "",
        "price": "2.00",
        "category": "Dairy",
        "position": before + 1,
    }
    assert head(ctx) == before + 1


@pytest.mark.parametrize("body", [{}, {"title": "Product 1", "price": "1.50"}])
def test_a_patch_that_changes_nothing_answers_200_and_writes_nothing(staff_client, ctx, body):
    stocked(ctx, {1: 0})
    before = head(ctx)
    response = patch(staff_client, 1, body)
    assert response.status_code == 200 and 0 < response.json()["position"] <= before
    assert head(ctx) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"price": 1.5}, "price"),
        ({"price": "1.505"}, "price"),
        ({"category": None}, "category"),
        ({"description": "x" * 5001}, "description"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_revision_is_a_400_naming_the_field_and_writes_nothing(
    staff_client, ctx, body, field
):
    stocked(ctx, {1: 0})
    before = head(ctx)
    assert_problem(patch(staff_client, 1, body), 400, field)
    assert head(ctx) == before


def test_revising_an_unknown_product_is_a_404(staff_client, ctx):
    assert_problem(patch(staff_client, 99, {"title": "Ghost"}), 404, "product_id")


def test_an_adjustment_answers_201_with_the_new_quantity(staff_client, ctx):
    stocked(ctx, {1: 5})
    response = staff_client.post(ADJUST, {"delta": -2, "reason": "broken"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"store_id": 1, "product_id": 1, "quantity": 3, "position": head(ctx)}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0, "reason": "x"}, "delta"),
        ({"delta": "1", "reason": "x"}, "delta"),
        ({"delta": 1.0, "reason": "x"}, "delta"),
        ({"delta": True, "reason": "x"}, "delta"),
        ({"delta": 1_000_001, "reason": "x"}, "delta"),
        ({"delta": -1_000_001, "reason": "x"}, "delta"),
        ({"reason": "x"}, "delta"),
        ({"delta": 1, "reason": ""}, "reason"),
        ({"delta": 1, "reason": "x" * 201}, "reason"),
        ({"delta": 1, "reason": 7}, "reason"),
        ({"delta": 1}, "reason"),
    ],
)
def test_an_invalid_adjustment_is_a_400_naming_the_field_and_writes_nothing(
    staff_client, ctx, body, field
):
    stocked(ctx, {1: 5})
    before = head(ctx)
    assert_problem(staff_client.post(ADJUST, body, format="json"), 400, field)
    assert head(ctx) == before


def test_an_adjustment_below_zero_is_a_409_and_records_nothing(staff_client, ctx):
    stocked(ctx, {1: 5})
    before = head(ctx)
    response = staff_client.post(ADJUST, {"delta": -6, "reason": "lost"}, format="json")
    assert_problem(response, 409, "delta")
    assert head(ctx) == before and quantity_of(ctx, 1, 1) == 5


def test_adjusting_a_product_the_store_never_stocked_is_a_404(staff_client, ctx):
    stocked(ctx, {1: 0})
    before = head(ctx)
    response = staff_client.post(ADJUST, {"delta": 3, "reason": "found"}, format="json")
    assert_problem(response, 404)
    assert head(ctx) == before


def test_an_adjustment_shows_in_the_stock_history_and_the_inventory(staff_client, api_client, ctx):
    stocked(ctx, {1: 5})
    staff_client.post(ADJUST, {"delta": -2, "reason": "broken"}, format="json")
    project()
    rows = api_client.get("/stores/1/inventory/").json()["results"]
    assert [r["quantity"] for r in rows] == [3]
    history = staff_client.get("/stores/1/inventory/1/history/").json()["results"]
    last = history[-1]
    assert (last["type"], last["quantity_change"], last["quantity_after"]) == (
        "StockAdjusted",
        -2,
        3,
    )
    assert last["data"]["reason"] == "broken"


def inventory_titles(client, store_id: int) -> list[tuple]:
    rows = client.get(f"/stores/{store_id}/inventory/").json()["results"]
    return [(r["product_title"], r["category"], r["price"]) for r in rows]


def test_a_projected_revision_reaches_every_store_search_and_suggest(staff_client, api_client, ctx):
    shop(ctx, 1)
    shop(ctx, 2)
    product(ctx, 1, "Cheddar Cheese", "4.50", "Dairy")
    stock(ctx, 1, 1, 3)
    stock(ctx, 2, 1, 4)
    project()
    old = [("Cheddar Cheese", "Dairy", "4.50")]
    assert inventory_titles(api_client, 1) == inventory_titles(api_client, 2) == old  # cached
    patch(staff_client, 1, {"title": "Gouda Wedge", "category": "Cheese", "price": "5.00"})
    project()
    new = [("Gouda Wedge", "Cheese", "5.00")]
    assert inventory_titles(api_client, 1) == inventory_titles(api_client, 2) == new
    found = api_client.get("/api/search/products/", {"q": "gouda"}).json()["results"]
    assert [(r["id"], r["title"], r["category"]) for r in found] == [(1, "Gouda Wedge", "Cheese")]
    assert api_client.get("/api/search/products/", {"q": "cheddar"}).json()["count"] == 0
    suggested = api_client.get("/api/search/suggest/", {"q": "gou"}).json()
    assert "Gouda Wedge" in str(suggested) and "Cheddar" not in str(suggested)


def test_orders_keep_the_title_they_were_placed_with_after_a_revision(staff_client, ctx):
    stocked(ctx, {1: 5})
    placed = order(ctx, 1, (1, 1))
    patch(staff_client, 1, {"title": "Renamed"})
    project()
    response = staff_client.get(f"/orders/{placed.order.id}/")
    assert response.json()["items"][0]["product_title"] == "Product 1"


def test_audit_stock_counts_an_adjustment_in_its_running_quantity(staff_client, ctx):
    stocked(ctx, {1: 5})
    staff_client.post(ADJUST, {"delta": 4, "reason": "found in the back"}, format="json")
    project()
    out = StringIO()
    call_command("audit_stock", "1", "1", stdout=out)
    assert "StockAdjusted" in out.getvalue() and "agree on 9" in out.getvalue()
