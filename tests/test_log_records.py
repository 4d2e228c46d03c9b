"""Log lines carry the request id: the web tier's (bound by the middleware), the projectors'
(the correlation ids of the events a batch folded) and the confirmation task's (the id the
notifier handed it). Captured through a real handler with the formatters of settings.LOGGING:
LOG_FORMAT=json makes every line one JSON object, plain lines show the same ids as text."""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from celery.signals import task_prerun
from django.conf import settings

from aforro_backend.log_records import RequestIdFilter
from command_side.catalog_commands import open_store, receive_stock, register_product
from events import correlation
from events.config import event_store_reader
from projections.catch_up import catch_up
from projections.notifier import Notifier
from projections.registry import select
from projections.source import EventSource
from projections.tasks import enqueue_order_confirmation, send_order_confirmation
from tests.projections.celery_harness import eager_tasks
from tests.test_deployment import clean_env, run

pytestmark = pytest.mark.django_db

Lines = Callable[[], list[str]]


@pytest.fixture
def shop(ctx):
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    receive_stock(ctx, 1, 1, 10)
    return ctx


def capture(caplog, log_format: str) -> Lines:
    """Format what caplog's handler receives exactly as the console handler of settings.LOGGING
    does with LOG_FORMAT=`log_format`; the lines written so far, on each call."""
    configurator = logging.config.DictConfigurator(settings.LOGGING)
    formatter = configurator.configure_formatter(dict(settings.LOGGING["formatters"][log_format]))
    caplog.handler.setFormatter(formatter)
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    return lambda: caplog.text.splitlines()


@pytest.fixture
def json_lines(caplog) -> Lines:
    return capture(caplog, "json")


def records(lines: Lines, logger: str) -> list[dict]:
    return [r for r in map(json.loads, lines()) if r["logger"] == logger]


def place(api_client, request_id: str):
    body = json.dumps({"store_id": 1, "items": [{"product_id": 1, "quantity_requested": 2}]})
    response = api_client.post(
        "/orders/", body, content_type="application/json", HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_json_lines_of_a_request_carry_its_id_and_the_order_id_and_position(
    shop, api_client, json_lines
):
    placed = place(api_client, "follow-me-1")
    [line] = records(json_lines, "api.views.orders")
    assert line["request_id"] == "follow-me-1"
    assert (line["order_id"], line["position"]) == (placed["id"], placed["position"])
    assert line["message"].startswith("order placed") and line["level"] == "INFO"
    assert "time" in line


def test_every_json_line_parses_and_outside_a_request_the_id_is_a_dash(json_lines):
    logging.getLogger("aforro.test").warning("no request here")
    with correlation.correlated("task-7"):
        logging.getLogger("aforro.test").info("inside", extra={"position": 3})
    outside, inside = records(json_lines, "aforro.test")
    assert outside["request_id"] == "-" and "order_id" not in outside
    assert (inside["request_id"], inside["position"]) == ("task-7", 3)


def test_plain_lines_show_the_request_id_and_the_ids_passed(shop, api_client, caplog):
    lines = capture(caplog, "plain")
    placed = place(api_client, "plain-1")
    [line] = [line for line in lines() if "order placed" in line]
    assert " [plain-1] order placed status=CONFIRMED" in line
    assert line.endswith(f"order_id={placed['id']} position={placed['position']}")


def test_a_projector_batch_logs_the_correlation_ids_of_the_events_it_folded(
    shop, api_client, json_lines
):
    first, second = place(api_client, "batch-a"), place(api_client, "batch-b")
    catch_up(select(["store_orders"]))
    [line] = records(json_lines, "projections.batches")
    assert line["projection"] == "store_orders" and line["events"] == 4
    assert (line["first_position"], line["last_position"]) == (
        first["position"] - 1,  # the first OrderPlaced; the shop's events are not folded here
        second["position"],
    )
    assert line["correlation_ids"] == ["batch-a", "batch-b"]
    assert line["correlation_id_count"] == 2
    assert "batch-a,batch-b" in line["message"]


@pytest.fixture
def task_kwargs() -> Iterator[list[dict]]:
    """The keyword arguments each task run received (Celery's own task_prerun signal)."""
    received: list[dict] = []

    def record(sender=None, kwargs=None, **_) -> None:
        received.append(dict(kwargs or {}))

    task_prerun.connect(record, weak=False)
    yield received
    task_prerun.disconnect(record)


def test_the_notifier_hands_the_task_the_orders_correlation_id_and_the_task_logs_it(
    shop, api_client, json_lines, settings, mailoutbox, task_kwargs
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    placed = place(api_client, "confirm-me")
    catch_up(select(None))  # the confirmation reads the store's name from the read side
    with eager_tasks():
        Notifier(enqueue_order_confirmation).catch_up(EventSource(event_store_reader()))
    assert task_kwargs == [{"correlation_id": "confirm-me"}]
    [notified] = records(json_lines, "projections.notifier")
    started, sent = records(json_lines, "projections.tasks")
    assert notified["request_id"] == started["request_id"] == sent["request_id"] == "confirm-me"
    assert started["order_id"] == placed["id"] and len(mailoutbox) == 1
    assert correlation.current_id() is None  # nothing stays bound afterwards


def test_the_task_binds_the_correlation_id_it_was_given_while_it_runs(
    shop, api_client, json_lines, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    placed = place(api_client, "placed-by")
    catch_up(select(None))
    assert correlation.current_id() is None  # nothing inherited: only the argument
    send_order_confirmation.apply(args=[placed["id"]], kwargs={"correlation_id": "given-1"})
    started, sent = records(json_lines, "projections.tasks")
    assert started["request_id"] == sent["request_id"] == "given-1"
    assert correlation.current_id() is None


def test_a_task_queued_without_a_correlation_id_still_runs(shop, api_client, json_lines, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    placed = place(api_client, "old-message")
    catch_up(select(None))
    with eager_tasks():
        enqueue_order_confirmation(placed["id"])  # as the sweep and old messages do: no id
    started, sent = records(json_lines, "projections.tasks")
    assert started["request_id"] == sent["request_id"] == "-"
    assert "confirmation sent" in sent["message"]


def test_a_process_started_with_log_format_json_writes_json_lines(tmp_path):
    code = "import logging; logging.getLogger('aforro.check').warning('hello %s', 'json')"
    env = clean_env(tmp_path, LOG_FORMAT="json")
    result = run([sys.executable, "manage.py", "shell", "-c", code], env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["message"], line["request_id"]) == (
        "aforro.check",
        "hello json",
        "-",
    )


def test_settings_refuse_an_unknown_log_format(tmp_path):
    result = run([sys.executable, "manage.py", "check"], clean_env(tmp_path, LOG_FORMAT="xml"))
    assert result.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'xml'" in result.stderr
