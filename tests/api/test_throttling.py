"""Rate limiting of `POST /orders/` per client IP (ORDERS_RATE, generous by default)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from api.throttles import OrderThrottle
from tests.api.test_cache import dead_redis
from tests.api.test_orders_api import basket, head, post_order
from tests.command_side.test_place_order import stocked

pytestmark = [pytest.mark.api, pytest.mark.django_db]


@pytest.fixture
def two_orders_a_minute(monkeypatch) -> None:
    """A tiny rate, no request history (the cache is the throttle's memory) and a clock that
    stands still 20 s before the end of a window, so a test never straddles two windows."""
    monkeypatch.setattr(OrderThrottle, "rate", "2/min", raising=False)
    monkeypatch.setattr(OrderThrottle, "timer", lambda self: 1_000_000.0)
    cache.clear()
    yield
    cache.clear()


def test_the_order_over_the_rate_gets_429_with_retry_after_and_is_not_placed(
    api_client, ctx, two_orders_a_minute
):
    stocked(ctx, {1: 10})
    for _ in range(2):
        assert post_order(api_client, basket((1, 1))).status_code == 201
    before = head(ctx)
    response = post_order(api_client, basket((1, 1)))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "20"
    body = response.json()
    assert (body["status"], body["type"]) == (429, "/problems/too-many-requests")
    assert head(ctx) == before


def test_invalid_requests_count_towards_the_rate_too(api_client, ctx, two_orders_a_minute):
    stocked(ctx, {1: 10})
    for _ in range(2):
        assert post_order(api_client, {"store_id": 1}).status_code == 400
    assert post_order(api_client, basket((1, 1))).status_code == 429


def test_the_rate_is_counted_per_client_ip(api_client, ctx, two_orders_a_minute):
    stocked(ctx, {1: 10})

    def order_from(ip: str):
        return api_client.post("/orders/", basket((1, 1)), format="json", REMOTE_ADDR=ip)

    assert [order_from("10.0.0.1").status_code for _ in range(3)] == [201, 201, 429]
    assert order_from("10.0.0.2").status_code == 201


def test_with_redis_down_orders_fail_open_and_are_placed(api_client, ctx, two_orders_a_minute):
    stocked(ctx, {1: 10})
    with override_settings(CACHES=dead_redis()):
        assert [post_order(api_client, basket((1, 1))).status_code for _ in range(3)] == [201] * 3


def order_from(api_client, remote_addr: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return api_client.post(
        "/orders/", basket((1, 1)), format="json", REMOTE_ADDR=remote_addr, headers=headers
    )


def test_a_made_up_x_forwarded_for_changes_nothing_without_trusted_proxies(
    api_client, ctx, two_orders_a_minute
):
    stocked(ctx, {1: 50})
    assert [order_from(api_client, "10.0.0.1").status_code for _ in range(2)] == [201, 201]
    spoofed = [order_from(api_client, "10.0.0.1", f"198.51.100.{n}") for n in range(20)]
    assert {response.status_code for response in spoofed} == {429}


@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(
    api_client, ctx, two_orders_a_minute
):
    stocked(ctx, {1: 50})
    proxy = "10.0.0.9"
    assert order_from(api_client, proxy, "203.0.113.5").status_code == 201
    assert order_from(api_client, proxy, "198.51.100.1, 203.0.113.5").status_code == 201
    assert order_from(api_client, proxy, "198.51.100.2, 203.0.113.5").status_code == 429
    assert order_from(api_client, proxy, "203.0.113.6").status_code == 201
