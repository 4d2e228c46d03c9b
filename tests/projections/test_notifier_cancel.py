"""The notifier and the confirmation task for orders cancelled before their e-mail went out."""

from datetime import timedelta

import pytest

from command_side.cancel_order import CancelOrder, cancel_order
from projections.catch_up import catch_up
from projections.confirmation_sweep import ConfirmationSweep
from projections.models import OrderConfirmationSent, OrderConfirmationSkipped
from projections.registry import select
from projections.tasks import enqueue_order_confirmation, send_order_confirmation

from .test_notifier import emails_per_order, once_each, outbox, placed, run_notifier

pytestmark = pytest.mark.django_db
__all__ = ["outbox", "placed"]  # fixtures, shared


def test_an_order_cancelled_before_sending_gets_no_email_and_is_recorded_as_skipped(
    ctx, placed, outbox
):
    cancelled, *kept = placed.confirmed
    cancel_order(ctx, CancelOrder(cancelled, "before the e-mail"))
    run_notifier()  # enqueues every StockReserved; the task reads the order at send time
    assert emails_per_order(outbox) == once_each(kept)
    assert list(OrderConfirmationSkipped.objects.values_list("order_id", flat=True)) == [cancelled]
    assert not OrderConfirmationSent.objects.filter(order_id=cancelled).exists()
    # Idempotent: run again, still skipped, no e-mail.
    assert send_order_confirmation.run(str(cancelled)) == "skipped-cancelled"
    assert len(outbox) == len(kept)


def test_the_sweep_never_reenqueues_a_skipped_cancelled_order(ctx, placed, outbox):
    cancelled = next(iter(placed.confirmed))
    cancel_order(ctx, CancelOrder(cancelled))
    run_notifier()
    catch_up(select(None))
    sweep = ConfirmationSweep(enqueue_order_confirmation, grace=timedelta(0))
    assert sweep.run() == 0
    assert emails_per_order(outbox)[cancelled] == 0


def test_an_order_cancelled_after_its_email_went_out_keeps_that_one_email(ctx, placed, outbox):
    run_notifier()
    first = next(iter(placed.confirmed))
    cancel_order(ctx, CancelOrder(first))
    assert send_order_confirmation.run(str(first)) == "already-sent"
    assert emails_per_order(outbox) == once_each(placed.confirmed)
    assert not OrderConfirmationSkipped.objects.exists()
