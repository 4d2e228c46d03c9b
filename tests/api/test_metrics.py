"""`GET /metrics`: served to the configured scrapers only (an address allowlist, a bearer token),
cheap to scrape (the orders-by-status numbers never count the order table), and the domain
metrics of aforro_backend/metrics.py: orders by status, cancellations, the event store head,
projection lag and whether a worker runs each projection."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from aforro_backend.metrics import DomainCollector, DomainMetric, domain_metric
from command_side.cancel_order import CancelOrder, cancel_order
from projections.heartbeat import Heartbeat
from projections.models import OrderConfirmationSent
from projections.notifier import NAME as NOTIFIER
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
    assert "aforro_" not in response.content.decode()


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_a_loopback_scraper_is_served_by_default(api_client, address):
    assert "aforro_orders{" in assert_served(scrape(api_client, address))


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


def samples(text: str, name: str) -> dict[tuple, float]:
    """{label values: value} of the metric `name` (a counter's `_total` sample) in a scrape."""
    return {
        tuple(sample.labels.values()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_a_scrape_reports_orders_by_status_without_reading_the_order_table(api_client, ctx):
    stocked(ctx, {1: 3})
    for quantity in (2, 2, 1):  # confirmed, rejected (1 left), confirmed
        order(ctx, 1, (1, quantity))
    project()
    with CaptureQueriesContext(connection) as queries:
        text = assert_served(scrape(api_client))
    assert samples(text, "aforro_orders") == {
        ("PENDING",): 0.0,
        ("CONFIRMED",): 2.0,
        ("REJECTED",): 1.0,
        ("CANCELLED",): 0.0,
    }
    assert samples(text, "aforro_orders_placed_total") == {(): 3.0}
    # The counts come from the counts table; the one read of the order table is the unsent
    # confirmations' gauge, bounded to the sweep's day (projections/confirmation_backlog.py).
    sqls = [q["sql"] for q in queries]
    order_reads = [sql for sql in sqls if 'read_order"' in sql or "read_order " in sql]
    assert all("notify_order_confirmation_sent" in sql for sql in order_reads), order_reads


def test_a_cancellation_moves_an_order_from_confirmed_to_cancelled_and_is_counted(api_client, ctx):
    stocked(ctx, {1: 5})
    order(ctx, 1, (1, 1))
    cancelled = order(ctx, 1, (1, 1))
    project()
    cancel_order(ctx, CancelOrder(cancelled.order.id, "changed my mind"))
    project()
    text = assert_served(scrape(api_client))
    orders = samples(text, "aforro_orders")
    assert (orders[("CONFIRMED",)], orders[("CANCELLED",)]) == (1.0, 1.0)
    assert samples(text, "aforro_order_cancellations_total") == {(): 1.0}
    assert samples(text, "aforro_orders_placed_total") == {(): 2.0}


def test_head_lag_and_worker_up_are_reported_for_every_projection_and_the_notifier(api_client, ctx):
    stocked(ctx, {1: 5})
    order(ctx, 1, (1, 1))
    project()  # the read models, not the notifier
    head = ctx.app.recorder.max_notification_id()
    Heartbeat(holder="test-worker").beat(["catalog"])
    text = assert_served(scrape(api_client))
    assert samples(text, "aforro_event_store_head") == {(): float(head)}
    lag = samples(text, "aforro_projection_lag_events")
    assert lag == {("catalog",): 0.0, ("store_orders",): 0.0, (NOTIFIER,): float(head)}
    up = samples(text, "aforro_projection_worker_up")
    assert up == {("catalog",): 1.0, ("store_orders",): 0.0, (NOTIFIER,): 0.0}


def test_the_oldest_unsent_confirmation_and_the_queue_depth_are_reported(api_client, ctx):
    stocked(ctx, {1: 5})
    placed = order(ctx, 1, (1, 1))
    project()
    text = assert_served(scrape(api_client))
    (depth,) = samples(text, "aforro_confirmation_queue_depth").values()
    assert depth >= 0
    (waiting,) = samples(text, "aforro_confirmation_oldest_unsent_seconds").values()
    assert 0 <= waiting < 300
    OrderConfirmationSent.objects.create(
        order_id=placed.order.id, sent_at=timezone.now(), recipient="x@example.com"
    )
    text = assert_served(scrape(api_client))
    assert samples(text, "aforro_confirmation_oldest_unsent_seconds") == {(): 0.0}


def test_describe_names_every_domain_metric_without_a_query():
    with CaptureQueriesContext(connection) as queries:
        names = {family.name for family in DomainCollector().describe()}
    assert not queries.captured_queries
    assert {"aforro_orders", "aforro_event_store_head", "aforro_projection_worker_up"} <= names


def test_a_metric_whose_read_fails_is_left_out_and_the_others_are_still_reported():
    def broken(reads):
        raise RuntimeError("the database is down")

    working = DomainMetric("aforro_test_ok", "", (), False, lambda reads: [((), 1)])
    failing = DomainMetric("aforro_test_broken", "", (), False, broken)
    families = list(DomainCollector([failing, working]).collect())
    assert [(f.name, [s.value for s in f.samples]) for f in families] == [("aforro_test_ok", [1])]


def test_one_decorated_function_adds_a_domain_metric():
    metrics: list[DomainMetric] = []

    @domain_metric("aforro_test_queue", "Queued things", ("queue",), into=metrics)
    def queued(reads):
        return [(("confirmations",), 7)]

    [family] = DomainCollector(metrics).collect()
    assert [(s.name, s.labels, s.value) for s in family.samples] == [
        ("aforro_test_queue", {"queue": "confirmations"}, 7)
    ]
