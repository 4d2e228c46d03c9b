"""A broker outage delays confirmations and loses none. With the broker (a redis-server of the
test's own) down, orders still succeed, the notifier enqueues nothing and keeps its checkpoint
while the projector worker only logs a warning and keeps folding the read models; with the
broker back, the next steps enqueue each confirmed order once and a real worker sends them."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.order import CONFIRMED, REJECTED, OrderLine
from command_side.place_order import PlaceOrder, place_order
from projections.catch_up import catch_up
from projections.models import OrderConfirmationSent
from projections.notifier import NAME, Notifier
from projections.registry import select
from projections.tasks import enqueue_order_confirmation
from projections.worker import ProjectionWorker
from query_side.selectors.projection_progress import projection_position

from .celery_harness import (
    SpareRedis,
    confirmations_per_order,
    log_text,
    publishing_to,
    sent_emails,
    spare_port,
    start_celery_worker,
    stop_process,
)
from .workload import head, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

FAIL_FAST = 10.0  # seconds a refused publish may take (broker timeouts are 2 s in settings)
DELIVERY_TIMEOUT = 30.0


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[SpareRedis]:
    """A redis-server of the test's own that this process publishes to (restored afterwards)."""
    server = SpareRedis(spare_port(), tmp_path / "redis.log")
    server.start()
    try:
        with publishing_to(server.url):
            yield server
    finally:
        server.stop()


@pytest.fixture
def projector_worker() -> Iterator[ProjectionWorker]:
    worker = ProjectionWorker(select(None), notifier=Notifier(enqueue_order_confirmation))
    yield worker
    worker.leadership.close()


def order(ctx: CommandContext, quantity: int) -> tuple[UUID, str]:
    outcome = place_order(ctx, PlaceOrder(1, (OrderLine(1, quantity),)))
    return outcome.order.id, outcome.order.status


def test_orders_placed_while_the_broker_is_down_each_get_one_email_once_it_is_back(
    ctx, broker, projector_worker, tmp_path, caplog
):
    open_store(ctx, "Central", "Lisbon", store_id=1)
    register_product(ctx, "Milk", "", Decimal("0.99"), "Dairy", product_id=1)
    receive_stock(ctx, 1, 1, 10)
    catch_up(select(None))
    broker.stop()

    placed = [order(ctx, quantity) for quantity in (1, 2, 50, 3, 4)]
    assert [status for _, status in placed] == [CONFIRMED] * 2 + [REJECTED] + [CONFIRMED] * 2
    confirmed = [order_id for order_id, status in placed if status == CONFIRMED]
    start = projection_position(NAME)
    with caplog.at_level(logging.WARNING, logger="projections.worker"):
        started = time.monotonic()
        assert projector_worker.step() > 0  # the read models still advance
        assert time.monotonic() - started < FAIL_FAST
    assert "notifier: broker unavailable" in caplog.text
    assert projection_position(NAME) == start
    assert projection_position("catalog") == head(ctx)

    broker.start()  # same port, empty: whatever it held before is gone

    def notifier_at_head() -> bool:
        projector_worker.step()  # the loop `run_projectors` runs, one step per check
        return projection_position(NAME) == head(ctx)

    assert wait_until(notifier_at_head, 20.0), caplog.text
    # Published to this broker, each confirmed order once (the worker starts only now).
    with broker.client() as client:
        assert client.llen("celery") == len(confirmed)

    email_dir = tmp_path / "mail"
    process = start_celery_worker(tmp_path / "worker.log", email_dir, broker.url)
    try:
        delivered = wait_until(
            lambda: (
                len(sent_emails(email_dir)) >= len(confirmed)
                and OrderConfirmationSent.objects.count() >= len(confirmed)
            ),
            DELIVERY_TIMEOUT,
            interval=0.05,
        )
        assert delivered, log_text(tmp_path / "worker.log")[-4000:]
    finally:
        stop_process(process)  # warm shutdown: a task that has started finishes first
    once_each = Counter(dict.fromkeys(confirmed, 1))
    assert confirmations_per_order(sent_emails(email_dir)) == once_each
    assert Counter(OrderConfirmationSent.objects.values_list("order_id", flat=True)) == once_each
