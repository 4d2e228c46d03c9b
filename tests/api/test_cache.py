"""The read cache (docs/api-reference.md: inventory cached 60 s and invalidated when the projection
changes that store's rows): hits cost no query, projected changes invalidate exactly the pages they
touch, `min_position` never accepts a page older than the caller's write, and without Redis the
database answers."""

import json

import pytest
from django.core.cache import cache
from django.db import transaction

from command_side.positions import event_store_head
from events.config import event_store_reader
from projections.batches import fold_after_checkpoint
from projections.checkpoints import locked_checkpoint
from projections.registry import select
from projections.source import EventSource
from query_side.selectors.projection_progress import projection_position

from .read_fixtures import (
    BackgroundProjectors,
    fresh_read_side,
    order,
    product,
    project,
    shop,
    start_when_the_read_polls,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

INVENTORY = "/stores/1/inventory/"
READS = {
    "inventory": ("/stores/1/inventory/", {}),
    "store orders": ("/stores/1/orders/", {}),
    "search": ("/api/search/products/", {"q": "milk", "store_id": 1}),
    "suggest": ("/api/search/suggest/", {"q": "mil"}),
}


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def dairy(ctx):
    """Stores 1 and 2 each stock 10 of "Milk 1L" (product 1) and 5 of "Butter" (product 2)."""
    shop(ctx, 1)
    shop(ctx, 2)
    product(ctx, 1, "Milk 1L", "1.20")
    product(ctx, 2, "Butter", "2.50")
    for store_id in (1, 2):
        stock(ctx, store_id, 1, 10)
        stock(ctx, store_id, 2, 5)
    order(ctx, 1, (2, 1))
    project()
    return ctx


def quantities(api_client, **params) -> dict[int, int]:
    response = api_client.get(INVENTORY, params)
    assert response.status_code == 200, response.content
    return {row["product_id"]: row["quantity"] for row in response.json()["results"]}


@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_a_repeated_read_is_answered_from_the_cache_without_a_query(
    api_client, dairy, django_assert_num_queries, read
):
    path, params = READS[read]
    first = api_client.get(path, params)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = api_client.get(path, params)
    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_projected_order_invalidates_the_cached_inventory_page(api_client, dairy):
    assert quantities(api_client) == {1: 10, 2: 4}
    order(dairy, 1, (1, 3))
    assert quantities(api_client) == {1: 10, 2: 4}  # not projected yet
    project()
    assert quantities(api_client) == {1: 7, 2: 4}


def test_a_projected_receipt_invalidates_the_cached_inventory_page(api_client, dairy):
    assert quantities(api_client) == {1: 10, 2: 4}
    stock(dairy, 1, 2, 6)
    project()
    assert quantities(api_client) == {1: 10, 2: 10}


def test_a_projected_order_invalidates_the_cached_store_orders_page(api_client, dairy):
    assert api_client.get("/stores/1/orders/").json()["count"] == 1
    placed = order(dairy, 1, (1, 1))
    project()
    rows = api_client.get("/stores/1/orders/").json()["results"]
    assert rows[0]["id"] == str(placed.order.id)


def test_stock_changes_invalidate_cached_search_quantities(api_client, dairy):
    url = "/api/search/products/"
    by_store = api_client.get(url, {"store_id": 1, "sort": "price"}).json()["results"]
    assert [row["store_quantity"] for row in by_store] == [10, 4]
    in_stock = api_client.get(url, {"in_stock": "true"}).json()["results"]
    assert {row["id"] for row in in_stock} == {1, 2}
    order(dairy, 1, (1, 10))
    order(dairy, 2, (1, 10))
    project()
    by_store = api_client.get(url, {"store_id": 1, "sort": "price"}).json()["results"]
    assert [row["store_quantity"] for row in by_store] == [0, 4]
    in_stock = api_client.get(url, {"in_stock": "true"}).json()["results"]
    assert {row["id"] for row in in_stock} == {2}


def test_a_registered_product_invalidates_cached_search_results(api_client, dairy):
    assert api_client.get("/api/search/products/").json()["count"] == 2
    product(dairy, 3, "Oat Milk", "2.80")
    project()
    assert api_client.get("/api/search/products/").json()["count"] == 3


def test_a_registered_product_invalidates_cached_suggestions(api_client, dairy):
    suggest = "/api/search/suggest/"
    assert api_client.get(suggest, {"q": "Mil "}).json()["suggestions"] == ["Milk 1L"]
    product(dairy, 3, "Milk 2L", "2.10")
    assert api_client.get(suggest, {"q": "mil"}).json()["suggestions"] == ["Milk 1L"]  # cached
    project()
    assert api_client.get(suggest, {"q": "mil"}).json()["suggestions"] == ["Milk 1L", "Milk 2L"]


def test_a_change_in_one_store_keeps_the_other_stores_page_cached(
    api_client, dairy, django_assert_num_queries
):
    assert quantities(api_client) == {1: 10, 2: 4}
    order(dairy, 2, (1, 3))
    project()
    with django_assert_num_queries(0):
        assert quantities(api_client) == {1: 10, 2: 4}
    store_2 = api_client.get("/stores/2/inventory/").json()["results"]
    assert {row["product_id"]: row["quantity"] for row in store_2} == {1: 7, 2: 5}


def project_without_invalidating() -> None:
    """Commit the projection of every new event but crash before the cache is invalidated."""
    source = EventSource(event_store_reader())
    for projector in select(None):
        with transaction.atomic():
            checkpoint = locked_checkpoint(projector.name)
            fold_after_checkpoint(projector, source, checkpoint, 10_000)


def test_min_position_refuses_a_cached_page_older_than_the_write_even_before_invalidation(
    api_client, dairy
):
    assert quantities(api_client) == {1: 10, 2: 4}
    placed = order(dairy, 1, (1, 3))
    project_without_invalidating()
    assert quantities(api_client) == {1: 10, 2: 4}  # the stale page, until invalidated or expired
    assert quantities(api_client, min_position=placed.position) == {1: 7, 2: 4}


def test_min_position_refuses_cached_suggestions_older_than_the_write(api_client, dairy):
    suggest = "/api/search/suggest/"
    assert api_client.get(suggest, {"q": "mil"}).json()["suggestions"] == ["Milk 1L"]
    product(dairy, 3, "Milk 2L", "2.10")
    registered = event_store_head(dairy)
    project_without_invalidating()
    assert api_client.get(suggest, {"q": "mil"}).json()["suggestions"] == ["Milk 1L"]  # stale
    fresh = api_client.get(suggest, {"q": "mil", "min_position": registered}).json()
    assert fresh["suggestions"] == ["Milk 1L", "Milk 2L"]


@pytest.fixture
def projectors(transactional_db):
    background = BackgroundProjectors()
    yield background
    background.stop()


@pytest.mark.django_db(transaction=True)
def test_right_after_an_order_a_read_at_its_position_waits_and_shows_the_new_quantity(
    api_client, dairy, projectors
):
    assert quantities(api_client) == {1: 10, 2: 4}  # now cached
    body = json.dumps({"store_id": 1, "items": [{"product_id": 1, "quantity_requested": 3}]})
    response = api_client.post("/orders/", body, content_type="application/json")
    assert response.status_code == 201
    position = response.json()["position"]
    assert projection_position("catalog") < position  # nothing has projected the order
    with start_when_the_read_polls(projectors) as polls:
        assert quantities(api_client, min_position=position) == {1: 7, 2: 4}
    assert polls() >= 2  # the first look found the projection behind; the read waited
    assert quantities(api_client) == {1: 7, 2: 4}


def dead_redis() -> dict:
    """A django-redis cache on a port nothing listens on, configured as in settings.py."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


def test_with_redis_down_every_read_answers_from_the_database(api_client, dairy, settings):
    settings.CACHES = dead_redis()
    cache.set("probe", 1)
    assert cache.get("probe") is None  # the dead Redis really is the cache now
    assert quantities(api_client) == {1: 10, 2: 4}
    placed = order(dairy, 1, (1, 3))
    project()  # invalidation fails quietly
    assert quantities(api_client) == {1: 7, 2: 4}
    assert quantities(api_client, min_position=placed.position) == {1: 7, 2: 4}
    for path, params in READS.values():
        assert api_client.get(path, params).status_code == 200
    assert api_client.get(f"/orders/{placed.order.id}/").status_code == 200
    suggest = api_client.get("/api/search/suggest/", {"q": "mil"})
    assert suggest.status_code == 200
    assert suggest.json()["suggestions"] == ["Milk 1L"]
