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
