"""The confirmation sweep does not flood the broker while no Celery worker runs: against the
real Redis broker (its queue length read back), it enqueues nothing while the queue still holds
tasks, and per order again only after grace * 2^(attempts - 1) since that order's last enqueue.
Time passes by moving the recorded timestamps back, never by sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from django.conf import settings
from django.db.models import F

from projections.catch_up import catch_up
from projections.confirmation_backlog import queue_depth
from projections.confirmation_sweep import ConfirmationSweep
from projections.models import OrderConfirmationEnqueued
from projections.registry import select
from projections.tasks import enqueue_order_confirmation
from query_side.models import OrderRow

from .celery_harness import publishing_to, purge_task_queue
from .test_celery_worker import open_shop, order, run_notifier

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.django_db]

GRACE = timedelta(minutes=2)
CAP = timedelta(minutes=10)  # steps: 2, 4, 8, then 10 minutes


@pytest.fixture
def broker() -> Iterator[None]:
    """Tasks go to the real Redis broker's queue, and no worker takes them."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with publishing_to(settings.CELERY_BROKER_URL):
        purge_task_queue()
        yield
        purge_task_queue()


@pytest.fixture
def confirmed(ctx, broker) -> list[UUID]:
    """Three confirmed orders placed well past the grace period, projected."""
    open_shop(ctx)
    orders = [order(ctx, 1, "CONFIRMED") for _ in range(3)]
    catch_up(select(None))
    OrderRow.objects.update(created_at=F("created_at") - timedelta(hours=2))
    return orders


def sweep() -> ConfirmationSweep:
    return ConfirmationSweep(enqueue_order_confirmation, grace=GRACE, max_backoff=CAP)


def time_passes(delta: timedelta) -> None:
    OrderConfirmationEnqueued.objects.update(enqueued_at=F("enqueued_at") - delta)


def attempts() -> set[int]:
    return set(OrderConfirmationEnqueued.objects.values_list("attempts", flat=True))


def test_while_tasks_wait_in_the_queue_repeated_sweeps_enqueue_nothing(confirmed):
    run_notifier()
    assert queue_depth() == 3
    time_passes(timedelta(days=1))  # long past every backoff: only the queue holds it back
    for _ in range(10):
        assert sweep().run() == 0
    assert queue_depth() == 3  # one task per order, not one per order per sweep
    purge_task_queue()  # the queue drained, the tasks lost: now they are enqueued again
    assert sweep().run() == 3
    assert queue_depth() == 3
    assert attempts() == {2}


def test_each_order_is_enqueued_again_only_after_its_backoff(confirmed):
    # The notifier's tasks were lost: no record, no task. The first sweep enqueues each once.
    assert sweep().run() == 3
    assert queue_depth() == 3 and attempts() == {1}
    for wait in (GRACE, 2 * GRACE, 4 * GRACE, CAP, CAP):
        purge_task_queue()  # lost again, in the broker or with a dying worker
        assert sweep().run() == 0  # just enqueued: may still be pending
        time_passes(wait - timedelta(seconds=5))
        assert sweep().run() == 0
        assert queue_depth() == 0
        time_passes(timedelta(seconds=10))
        before = max(attempts())
        assert sweep().run() == 3
        assert queue_depth() == 3 and attempts() == {before + 1}


def test_an_order_the_notifier_just_enqueued_waits_the_grace_period(confirmed):
    run_notifier()
    purge_task_queue()
    assert sweep().run() == 0
    time_passes(GRACE + timedelta(seconds=1))
    assert sweep().run() == 3
