"""The inputs of the confirmation gauges: tasks waiting in the broker's queue (0 when tasks run
eagerly, the embedded mode) and the age of the oldest confirmed order without an e-mail, which
leaves out cancelled and skipped orders and orders whose e-mail went out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from command_side.cancel_order import CancelOrder, cancel_order
from projections.catch_up import catch_up
from projections.confirmation_backlog import ConfirmationBacklog, confirmation_backlog, queue_depth
from projections.models import OrderConfirmationSent
from projections.registry import select
from projections.tasks import enqueue_order_confirmation
from query_side.models import OrderRow

from .celery_harness import eager_tasks, publishing_to, purge_task_queue
from .test_celery_worker import open_shop, order

pytestmark = pytest.mark.django_db


def test_with_eager_tasks_the_queue_is_empty_and_nothing_is_unsent_once_sent(ctx):
    with eager_tasks():
        open_shop(ctx)
        assert confirmation_backlog() == ConfirmationBacklog(0, None)
        placed = order(ctx, 1, "CONFIRMED")
        catch_up(select(None))
        assert confirmation_backlog().oldest_unsent_seconds is not None
        enqueue_order_confirmation(str(placed))  # runs inline: the e-mail goes out
        assert confirmation_backlog().queue_depth == 0
        assert confirmation_backlog().oldest_unsent_seconds is None


def test_the_oldest_unsent_age_skips_sent_and_cancelled_orders(ctx):
    open_shop(ctx)
    sent, cancelled, waiting = (order(ctx, 1, "CONFIRMED") for _ in range(3))
    cancel_order(ctx, CancelOrder(cancelled))
    catch_up(select(None))
    now = timezone.now()
    for order_id, minutes in ((sent, 30), (cancelled, 20), (waiting, 10)):
        OrderRow.objects.filter(order_id=order_id).update(
            created_at=now - timedelta(minutes=minutes)
        )
    OrderConfirmationSent.objects.create(order_id=sent, sent_at=now, recipient="x@example.com")
    assert confirmation_backlog(now).oldest_unsent_seconds == pytest.approx(600)


@pytest.mark.postgres
@pytest.mark.integration
def test_the_queue_depth_is_the_tasks_waiting_in_the_redis_broker(ctx):
    with publishing_to(settings.CELERY_BROKER_URL):
        purge_task_queue()
        try:
            assert queue_depth() == 0
            for n in range(4):
                enqueue_order_confirmation(f"00000000-0000-0000-0000-00000000000{n}")
            assert queue_depth() == confirmation_backlog().queue_depth == 4
        finally:
            purge_task_queue()
