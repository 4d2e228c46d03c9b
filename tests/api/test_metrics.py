"""`GET /metrics`: served to the configured scrapers only (an address allowlist, a bearer token)
and cheap to scrape: the orders-by-status numbers never count the order table."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.command_side.test_place_order import stocked

from .read_fixtures import assert_problem, order, project

pytestmark = [pytest.mark.api, pytest.mark.django_db]

TOKEN = "t" * 40


def scrape(api_client, remote_addr: str = "127.0.0.1", **headers):
    return api_client.get("/metrics", REMOTE_ADDR=remote_addr, headers=headers)


def assert_served(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def assert_refused(response) -> None:
    body = assert_problem(response, 403)
    assert body["type"] == "/problems/forbidden"
    assert "aforro_orders" not in response.content.decode()


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_a_loopback_scraper_is_served_by_default(api_client, address):
    assert "aforro_orders_total" in assert_served(scrape(api_client, address))


def test_any_other_address_is_refused_with_problem_json(api_client):
    assert_refused(scrape(api_client, "203.0.113.7"))


def test_a_forwarded_loopback_address_does_not_let_an_outsider_in(api_client):
    assert_refused(scrape(api_client, "203.0.113.7", **{"X-Forwarded-For": "127.0.0.1"}))
    with override_settings(NUM_PROXIES=1):
        spoofed = {"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}
        assert_refused(scrape(api_client, "127.0.0.1", **spoofed))


@override_settings(METRICS_ALLOWED_IPS=("10.0.0.0/8",), NUM_PROXIES=1)
def test_behind_a_proxy_the_forwarded_client_address_is_checked(api_client):
    assert_served(scrape(api_client, "192.0.2.1", **{"X-Forwarded-For": "10.1.2.3"}))
    assert_refused(scrape(api_client, "10.0.0.5", **{"X-Forwarded-For": "192.0.2.9"}))


@override_settings(METRICS_BEARER_TOKEN=TOKEN)
def test_the_configured_bearer_token_admits_any_address(api_client):
    assert_served(scrape(api_client, "203.0.113.7", Authorization=f"Bearer {TOKEN}"))
    assert_served(scrape(api_client, "203.0.113.7", Authorization=f"bearer {TOKEN}"))


@override_settings(METRICS_BEARER_TOKEN=TOKEN)
@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}x", "Bearer ", f"Token {TOKEN}", TOKEN])
def test_a_wrong_token_or_scheme_is_refused(api_client, authorization):
    assert_refused(scrape(api_client, "203.0.113.7", Authorization=authorization))


def test_without_a_configured_token_a_bearer_header_admits_nobody(api_client):
    assert_refused(scrape(api_client, "203.0.113.7", Authorization="Bearer "))


def orders_metric(text: str) -> dict[str, float]:
    found = re.findall(r'^aforro_orders_total\{status="(\w+)"\} (\S+)$', text, re.MULTILINE)
    return {status: float(value) for status, value in found}


def test_a_scrape_reports_orders_by_status_without_reading_the_order_table(api_client, ctx):
    stocked(ctx, {1: 3})
    for quantity in (2, 2, 1):  # confirmed, rejected (1 left), confirmed
        order(ctx, 1, (1, quantity))
    project()
    with CaptureQueriesContext(connection) as queries:
        text = assert_served(scrape(api_client))
    assert orders_metric(text) == {"CONFIRMED": 2.0, "REJECTED": 1.0}
    assert not [q["sql"] for q in queries if 'read_order"' in q["sql"] or "read_order " in q["sql"]]
