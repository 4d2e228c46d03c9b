"""State of the notifier's side effects (not a read model: never dropped or replayed)."""

from __future__ import annotations

from django.db import models


class OrderConfirmationSent(models.Model):
    """One row per order whose confirmation went out; the unique key makes sending idempotent."""

    order_id = models.UUIDField(primary_key=True)
    sent_at = models.DateTimeField()
    recipient = models.CharField(max_length=254)

    class Meta:
        db_table = "notify_order_confirmation_sent"


class OrderConfirmationSkipped(models.Model):
    """One row per order whose confirmation was not sent because the order was cancelled
    first: the task and the sweep see it was handled and never try again."""

    order_id = models.UUIDField(primary_key=True)
    skipped_at = models.DateTimeField()
    reason = models.CharField(max_length=32)

    class Meta:
        db_table = "notify_order_confirmation_skipped"


class OrderConfirmationEnqueued(models.Model):
    """The last time an order's confirmation task was handed to the broker, and how many times
    it has been: the sweep re-enqueues an order only once its earlier task can no longer be
    pending, backing off per order (projections/confirmation_sweep.py)."""

    order_id = models.UUIDField(primary_key=True)
    enqueued_at = models.DateTimeField()
    attempts = models.PositiveIntegerField()

    class Meta:
        db_table = "notify_order_confirmation_enqueued"
