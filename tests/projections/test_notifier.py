"""The notifier and `send_order_confirmation` (tasks run eagerly, emails into Django's locmem
outbox): one email per confirmed order with its store and lines, none for a rejected order,
and never a second one: not on a re-run, a replay, a duplicate task, a reset checkpoint or a
crash between enqueue and checkpoint. A refused enqueue keeps the checkpoint where it was."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from uuid import UUID

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.order import CONFIRMED, REJECTED, OrderLine
from command_side.place_order import PlaceOrder, place_order
from events.config import event_store_reader
from projections.catch_up import catch_up
from projections.confirmation_sweep import ConfirmationSweep
from projections.models import OrderConfirmationSent
from projections.notifier import NAME, Notifier
from projections.registry import select
from projections.source import EventSource
from projections.tasks import enqueue_order_confirmation, send_order_confirmation
from projections.worker import ProjectionWorker
from query_side.models import OrderRow, ProjectionCheckpoint
from query_side.selectors.projection_progress import projection_position

from .celery_harness import confirmations_per_order, eager_tasks
from .workload import head

pytestmark = pytest.mark.django_db

TITLES = {1: "Milk", 2: "Bread"}


@dataclass(frozen=True)
class Placed:
    confirmed: dict[UUID, tuple[tuple[int, int], ...]]  # order id -> (product id, quantity)
    rejected: list[UUID]


class Recording:
    """An enqueue that records the order ids it hands on (and can die after the n-th one)."""

    def __init__(self, enqueue: Callable[[str], None], killed_after: int | None = None) -> None:
        self.enqueue, self.killed_after = enqueue, killed_after
        self.order_ids: list[str] = []

    def __call__(self, order_id: str) -> None:
        self.enqueue(order_id)
        self.order_ids.append(order_id)
        if len(self.order_ids) == self.killed_after:
            raise ProcessKilled(f"killed after enqueueing order {order_id}")


class ProcessKilled(BaseException):
    """Stands for SIGKILL: nothing after the enqueue runs, not even `except Exception`."""


def refuse(order_id: str) -> None:
    raise BrokerError(f"[Errno 111] Connection refused (order {order_id})")


@pytest.fixture
def outbox(settings, mailoutbox) -> Iterator[list]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with eager_tasks():
        yield mailoutbox


@pytest.fixture
def placed(ctx: CommandContext) -> Placed:
    """Three confirmed and two rejected orders at store 1, read models caught up."""
    open_store(ctx, "Central", "Lisbon", store_id=1)
    for product_id, title in TITLES.items():
        register_product(ctx, title, "", Decimal("1.25"), "Dairy", product_id=product_id)
    receive_stock(ctx, 1, 1, 10)
    receive_stock(ctx, 1, 2, 5)
    baskets = [((1, 3), (2, 1)), ((2, 50),), ((1, 2),), ((1, 1), (2, 99)), ((2, 4),)]
    confirmed, rejected = {}, []
    for lines in baskets:
        outcome = place_order(ctx, PlaceOrder(1, tuple(OrderLine(p, q) for p, q in lines)))
        assert outcome.order.status in (CONFIRMED, REJECTED)
        if outcome.order.status == CONFIRMED:
            confirmed[outcome.order.id] = lines
        else:
            rejected.append(outcome.order.id)
    assert (len(confirmed), len(rejected)) == (3, 2)
    catch_up(select(None))  # the confirmation names the store from the read side
    return Placed(confirmed, rejected)


def run_notifier(enqueue: Callable[[str], None] = enqueue_order_confirmation, **options) -> int:
    return Notifier(enqueue, **options).catch_up(EventSource(event_store_reader()))


def emails_per_order(outbox: list) -> Counter[UUID]:
    return confirmations_per_order([message.message() for message in outbox])


def once_each(order_ids) -> Counter[UUID]:
    return Counter({UUID(str(order_id)): 1 for order_id in order_ids})


def test_each_confirmed_order_gets_one_email_with_its_id_store_and_lines(placed, outbox):
    run_notifier()
    assert emails_per_order(outbox) == once_each(placed.confirmed)
    for message in outbox:
        order_id = UUID(message.subject.split()[1])
        assert message.to == [settings.ORDER_EMAIL_TO]
        assert message.from_email == settings.ORDER_EMAIL_FROM
        assert f"Your order {order_id} at Central (store 1) is confirmed." in message.body
        for product_id, quantity in placed.confirmed[order_id]:
            assert f"  {quantity} x {TITLES[product_id]} (product {product_id})" in message.body
        units = sum(quantity for _, quantity in placed.confirmed[order_id])
        assert f"Lines: {len(placed.confirmed[order_id])}; units: {units}." in message.body
    sent = OrderConfirmationSent.objects.values_list("order_id", flat=True)
    assert set(sent) == set(placed.confirmed)


def test_rejected_orders_get_no_email_even_when_their_task_runs(placed, outbox):
    run_notifier()
    assert not set(emails_per_order(outbox)) & set(placed.rejected)
    before = len(outbox)
    for order_id in placed.rejected:
        assert send_order_confirmation.run(str(order_id)) == "not-confirmed"
    assert len(outbox) == before
    assert not OrderConfirmationSent.objects.filter(order_id__in=placed.rejected).exists()


def test_running_the_notifier_again_sends_nothing_more(ctx, placed, outbox):
    assert run_notifier(batch_size=4) > 0  # several batches
    assert projection_position(NAME) == head(ctx)
    assert run_notifier() == 0
    assert emails_per_order(outbox) == once_each(placed.confirmed)


def test_the_task_run_twice_for_one_order_sends_one_email(placed, outbox):
    order_id = str(next(iter(placed.confirmed)))
    results = [send_order_confirmation.run(order_id) for _ in range(2)]
    assert results == ["sent", "already-sent"]
    assert emails_per_order(outbox) == once_each([order_id])


def test_replaying_the_projections_never_resends_a_confirmation(placed, outbox):
    run_notifier()
    position = projection_position(NAME)
    call_command("replay_projections", stdout=StringIO(), stderr=StringIO())
    call_command("replay_projections", "--in-place", stdout=StringIO(), stderr=StringIO())
    assert emails_per_order(outbox) == once_each(placed.confirmed)
    assert projection_position(NAME) == position
    assert run_notifier() == 0
    assert emails_per_order(outbox) == once_each(placed.confirmed)


def test_notifier_killed_between_enqueue_and_checkpoint_still_sends_one_email_per_order(
    ctx, placed, outbox
):
    start = projection_position(NAME)
    dying = Recording(enqueue_order_confirmation, killed_after=2)
    with pytest.raises(ProcessKilled):
        run_notifier(dying)
    assert projection_position(NAME) == start  # the batch's checkpoint never committed
    assert len(outbox) == 2
    again = Recording(enqueue_order_confirmation)
    run_notifier(again)
    assert Counter(again.order_ids) == Counter(map(str, placed.confirmed))  # the 2 enqueued twice
    assert emails_per_order(outbox) == once_each(placed.confirmed)
    assert projection_position(NAME) == head(ctx)


def test_notifier_checkpoint_reset_to_zero_enqueues_again_but_sends_no_second_email(placed, outbox):
    run_notifier()
    ProjectionCheckpoint.objects.filter(name=NAME).update(position=0)
    again = Recording(enqueue_order_confirmation)
    run_notifier(again)
    assert Counter(again.order_ids) == Counter(map(str, placed.confirmed))
    assert emails_per_order(outbox) == once_each(placed.confirmed)


def test_refused_enqueue_keeps_the_checkpoint_and_the_next_attempt_sends_every_email(
    ctx, placed, outbox
):
    start = projection_position(NAME)
    with pytest.raises(BrokerError):
        run_notifier(refuse)
    assert projection_position(NAME) == start
    assert outbox == []
    run_notifier()
    assert emails_per_order(outbox) == once_each(placed.confirmed)
    assert projection_position(NAME) == head(ctx)


def test_worker_logs_a_refused_enqueue_and_keeps_folding_the_read_models(
    ctx, placed, outbox, caplog
):
    start = projection_position(NAME)
    receive_stock(ctx, 1, 1, 1)  # something new for the read models too
    worker = ProjectionWorker(select(None), notifier=Notifier(refuse))
    try:
        with caplog.at_level(logging.WARNING, logger="projections.worker"):
            assert worker.step() > 0
    finally:
        worker.leadership.close()
    assert "notifier: broker unavailable" in caplog.text
    assert projection_position(NAME) == start
    assert projection_position("catalog") == head(ctx)
    assert outbox == []


# The sweep re-enqueues confirmations the broker lost, and only those.


def test_a_confirmed_order_whose_task_was_lost_gets_exactly_one_email(placed, outbox):
    # The notifier enqueued nothing here: every confirmation was "lost" in the broker.
    sweep = ConfirmationSweep(enqueue_order_confirmation, grace=timedelta(0))
    assert sweep.run() == len(placed.confirmed)
    assert sorted(OrderConfirmationSent.objects.values_list("order_id", flat=True)) == sorted(
        placed.confirmed
    )
    assert len(outbox) == len(placed.confirmed)
    assert sweep.run() == 0  # delivered orders are not enqueued again
    assert len(outbox) == len(placed.confirmed)


def test_orders_within_the_grace_period_and_rejected_orders_are_left_alone(placed, outbox):
    enqueued: list[str] = []
    assert ConfirmationSweep(enqueued.append, grace=timedelta(hours=1)).run() == 0
    assert ConfirmationSweep(enqueued.append, grace=timedelta(0)).run() == len(placed.confirmed)
    rejected = {str(order_id) for order_id in placed.rejected}
    assert rejected.isdisjoint(enqueued)
    assert OrderRow.objects.filter(status="REJECTED").count() == len(placed.rejected)


def test_the_sweep_looks_back_only_its_window_past_the_grace_period(placed, outbox):
    enqueued: list[str] = []
    long_ago = next(iter(placed.confirmed))
    OrderRow.objects.filter(order_id=long_ago).update(created_at=timezone.now() - timedelta(days=2))
    sweep = ConfirmationSweep(enqueued.append, grace=timedelta(0), lookback=timedelta(days=1))
    assert sweep.run() == len(placed.confirmed) - 1
    assert str(long_ago) not in enqueued
