"""A real `celery worker` process logs the confirmation task under the correlation id of the
request that placed the order: the notifier puts it in the task's message, the worker binds it
while the task runs, and the worker's log lines (settings.LOGGING) show it."""

from __future__ import annotations

import re

import pytest

from command_side.order import CONFIRMED
from events import correlation
from projections.catch_up import catch_up
from projections.registry import select
from tests.projections import test_celery_worker
from tests.projections.test_celery_worker import open_shop, order, run_notifier, sent_rows

pytestmark = test_celery_worker.pytestmark
celery_worker = test_celery_worker.celery_worker  # the same real worker fixture


def test_the_worker_logs_the_task_with_the_orders_correlation_id(ctx, celery_worker):
    open_shop(ctx)
    with correlation.correlated("checkout-in-worker"):
        confirmed = order(ctx, 2, CONFIRMED)
    catch_up(select(None))
    assert run_notifier() > 0
    celery_worker.wait_for(lambda: confirmed in sent_rows(), "the delivery row")
    log = celery_worker.tail()
    started = rf"\[checkout-in-worker\] confirmation task started order_id={confirmed}"
    assert re.search(started, log), log
    assert re.search(rf"\[checkout-in-worker\] confirmation sent order={confirmed}", log), log


@pytest.fixture(autouse=True)
def nothing_bound_before():
    assert correlation.current_id() is None
