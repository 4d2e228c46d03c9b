"""A real `celery worker` process on the real Redis broker sends what the notifier enqueued:
one email file and one delivery row per confirmed order, and nothing more for the duplicate
tasks a re-run notifier or a second enqueue puts on the queue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from django.conf import settings

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.order import CONFIRMED, REJECTED, OrderLine
from command_side.place_order import PlaceOrder, place_order
from events.config import event_store_reader
from projections.catch_up import catch_up
from projections.models import OrderConfirmationSent
from projections.notifier import NAME, Notifier
from projections.registry import select
from projections.source import EventSource
from projections.tasks import enqueue_order_confirmation
from query_side.models import ProjectionCheckpoint

from .celery_harness import (
    confirmations_per_order,
    email_files,
    log_text,
    publishing_to,
    purge_task_queue,
    queue_binding_lost,
    sent_emails,
    start_celery_worker,
    stop_process,
)
from .workload import wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

DELIVERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Worker:
    log: Path
    email_dir: Path

    def emails_per_order(self) -> Counter[UUID]:
        return confirmations_per_order(sent_emails(self.email_dir))

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        if wait_until(condition, DELIVERY_TIMEOUT, interval=0.05):
            return
        flushed = queue_binding_lost(settings.CELERY_BROKER_URL)
        cause = "the broker's Redis database was flushed meanwhile; " if flushed else ""
        raise AssertionError(f"waited {DELIVERY_TIMEOUT}s for {what}; {cause}log:\n{self.tail()}")

    def tail(self) -> str:
        return log_text(self.log)[-4000:]


@pytest.fixture
def celery_worker(tmp_path: Path) -> Iterator[Worker]:
    """A worker consuming the broker the test settings name, with an empty queue to start."""
    broker = settings.CELERY_BROKER_URL
    assert broker.startswith("redis://"), broker
    with publishing_to(broker):
        purge_task_queue()  # tasks earlier tests enqueued for orders that no longer exist
        worker = Worker(tmp_path / "worker.log", tmp_path / "mail")
        process = start_celery_worker(worker.log, worker.email_dir, broker)
        try:
            yield worker
        finally:
            stop_process(process)


def open_shop(ctx: CommandContext) -> None:
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    receive_stock(ctx, 1, 1, 100)


def order(ctx: CommandContext, quantity: int, status: str) -> UUID:
    outcome = place_order(ctx, PlaceOrder(1, (OrderLine(1, quantity),)))
    assert outcome.order.status == status
    return outcome.order.id


def run_notifier() -> int:
    return Notifier(enqueue_order_confirmation).catch_up(EventSource(event_store_reader()))


def sent_rows() -> Counter[UUID]:
    return Counter(OrderConfirmationSent.objects.values_list("order_id", flat=True))


def test_worker_process_sends_one_email_for_the_order_the_notifier_enqueued(ctx, celery_worker):
    open_shop(ctx)
    confirmed = order(ctx, 3, CONFIRMED)
    order(ctx, 1000, REJECTED)
    catch_up(select(None))
    assert run_notifier() > 0
    celery_worker.wait_for(
        lambda: celery_worker.emails_per_order() and sent_rows(), "an email and a delivery row"
    )
    assert celery_worker.emails_per_order() == sent_rows() == Counter({confirmed: 1})
    assert len(email_files(celery_worker.email_dir)) == 1
    (email,) = sent_emails(celery_worker.email_dir)
    assert email["To"] == settings.ORDER_EMAIL_TO
    body = email.get_payload()
    assert f"Your order {confirmed} at Central (store 1) is confirmed." in body
    assert "  3 x Milk (product 1)" in body


def test_duplicate_tasks_on_the_queue_send_no_second_email(ctx, celery_worker):
    open_shop(ctx)
    first = [order(ctx, 2, CONFIRMED) for _ in range(3)]
    rejected = order(ctx, 1000, REJECTED)
    catch_up(select(None))
    run_notifier()
    celery_worker.wait_for(lambda: len(sent_rows()) == 3, "three delivery rows")
    # Duplicates: the notifier from position 0 again, a second enqueue, a rejected order.
    ProjectionCheckpoint.objects.filter(name=NAME).update(position=0)
    run_notifier()
    enqueue_order_confirmation(str(first[0]))
    enqueue_order_confirmation(str(rejected))
    # Enqueued after every duplicate: once its email is out, the worker has run them all.
    last = order(ctx, 1, CONFIRMED)
    run_notifier()
    celery_worker.wait_for(
        lambda: last in celery_worker.emails_per_order(), "the last order's email"
    )
    expected = Counter(dict.fromkeys([*first, last], 1))
    assert celery_worker.emails_per_order() == sent_rows() == expected
    log = log_text(celery_worker.log)
    assert log.count("'already-sent'") == 4 and log.count("'not-confirmed'") == 1
