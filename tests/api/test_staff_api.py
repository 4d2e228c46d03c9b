"""Staff-only commands: `POST /stores/`, `POST /products/`, `POST /stores/<id>/inventory/`."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from command_side.ids import product_aggregate_id, store_aggregate_id
from events.positions import last_position_of
from tests.api.test_orders_api import assert_problem, head
from tests.command_side.test_place_order import quantity_of, stocked

pytestmark = [pytest.mark.api, pytest.mark.django_db]

VALID_COMMANDS = [
    pytest.param("/stores/", {"name": "Central", "location": "Lisbon"}, id="open store"),
    pytest.param(
        "/products/",
        {"title": "Milk 1L", "description": "", "price": "0.99", "category": "Dairy"},
        id="register product",
    ),
    pytest.param("/stores/1/inventory/", {"product_id": 1, "quantity": 5}, id="receive stock"),
]


def client_with_token(username: str, is_staff: bool) -> APIClient:
    user = User.objects.create_user(username, is_staff=is_staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def staff_client() -> APIClient:
    return client_with_token("staff", is_staff=True)


@pytest.mark.parametrize(("path", "body"), VALID_COMMANDS)
def test_anonymous_clients_are_refused_with_401_and_nothing_is_written(api_client, ctx, path, body):
    stocked(ctx, {1: 0})
    before = head(ctx)
    response = api_client.post(path, body, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    assert head(ctx) == before


@pytest.mark.parametrize(("path", "body"), VALID_COMMANDS)
def test_users_who_are_not_staff_are_refused_with_403_and_nothing_is_written(ctx, path, body):
    stocked(ctx, {1: 0})
    before = head(ctx)
    response = client_with_token("member", is_staff=False).post(path, body, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert head(ctx) == before


def test_an_invalid_token_is_refused_with_401(api_client, ctx):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api_client.post("/stores/", {"name": "A", "location": "B"}, format="json")
    assert response.status_code == 401


def test_staff_open_a_store_and_get_its_new_id(staff_client, ctx):
    response = staff_client.post("/stores/", {"name": "Central", "location": "Lisbon"}, "json")
    assert response.status_code == 201
    assert response.json() == {
        "id": 1,
        "name": "Central",
        "location": "Lisbon",
        "position": last_position_of(ctx.app, store_aggregate_id(1)),
    }
    second = staff_client.post("/stores/", {"name": "North", "location": "Porto"}, "json")
    assert second.json()["id"] == 2


def test_staff_register_a_product_with_its_price_as_a_two_place_decimal_string(staff_client, ctx):
    body = {"title": "Cheese", "description": "Aged", "price": "12.5", "category": "Dairy"}
    response = staff_client.post("/products/", body, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "id": 1,
        "title": "Cheese",
        "description": "Aged",
        "price": "12.50",
        "category": "Dairy",
        "position": last_position_of(ctx.app, product_aggregate_id(1)),
    }


def test_staff_receive_stock_and_get_the_new_quantity_and_position(staff_client, ctx):
    stocked(ctx, {1: 0})
    first = staff_client.post("/stores/1/inventory/", {"product_id": 1, "quantity": 5}, "json")
    assert first.status_code == 201
    assert first.json() == {"store_id": 1, "product_id": 1, "quantity": 5, "position": head(ctx)}
    again = staff_client.post("/stores/1/inventory/", {"product_id": 1, "quantity": 3}, "json")
    assert again.status_code == 201
    assert again.json() == {"store_id": 1, "product_id": 1, "quantity": 8, "position": head(ctx)}
    assert quantity_of(ctx, 1, 1) == 8


BAD_COMMANDS = [
    pytest.param("/stores/1/inventory/", {"product_id": 1, "quantity": 0}, 400, "quantity",
                 id="quantity 0"),
    pytest.param("/stores/1/inventory/", {"product_id": 1, "quantity": "5"}, 400, "quantity",
                 id="quantity as a string"),
    pytest.param("/stores/1/inventory/", {"product_id": 1, "quantity": 2.5}, 400, "quantity",
                 id="quantity as a fraction"),
    pytest.param("/stores/1/inventory/", {"quantity": 5}, 400, "product_id",
                 id="missing product_id"),
    pytest.param("/stores/99/inventory/", {"product_id": 1, "quantity": 5}, 404, "store_id",
                 id="unknown store"),
    pytest.param("/stores/1/inventory/", {"product_id": 404, "quantity": 5}, 400, "product_id",
                 id="unknown product"),
    pytest.param("/products/", {"title": "T", "price": "-1.00", "category": "C"}, 400, "price",
                 id="negative price"),
    pytest.param("/products/", {"title": "T", "price": "abc", "category": "C"}, 400, "price",
                 id="price not a number"),
    pytest.param("/products/", {"price": "1.00", "category": "C"}, 400, "title",
                 id="missing title"),
    pytest.param("/stores/", {"location": "Lisbon"}, 400, "name", id="missing store name"),
    pytest.param("/stores/", [], 400, "body", id="JSON array body"),
    pytest.param("/stores/", b"[" * 100_000, 400, "body", id="store JSON nested too deeply"),
    pytest.param("/products/", b"[" * 100_000, 400, "body", id="product JSON nested too deeply"),
    pytest.param("/stores/1/inventory/", b"[" * 100_000, 400, "body",
                 id="stock JSON nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "status", "field"), BAD_COMMANDS)
def test_bad_staff_input_is_answered_with_a_problem_naming_the_field_and_writes_nothing(
    staff_client, ctx, path, body, status, field
):
    stocked(ctx, {1: 0})
    before = head(ctx)
    if isinstance(body, bytes):
        response = staff_client.post(path, body, content_type="application/json")
    else:
        response = staff_client.post(path, body, format="json")
    assert_problem(response, status, field)
    assert head(ctx) == before
