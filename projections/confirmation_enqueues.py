"""The per-order record of confirmation enqueues and the backoff rule the sweep applies to it.

The notifier and the sweep write one row per order they handed to the broker (batched: one
statement per batch, never a transaction per order). The sweep leaves an order alone while its
last task may still be pending: for grace * 2^(attempts - 1) after that enqueue, capped.
May import Django and this package's models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet

from .models import OrderConfirmationEnqueued


def record_enqueues(attempts: Mapping[UUID, int], now: datetime) -> None:
    """Upsert (order, now, attempts) for every order just enqueued, in one statement."""
    if not attempts:
        return
    rows = [
        OrderConfirmationEnqueued(order_id=order_id, enqueued_at=now, attempts=count)
        for order_id, count in attempts.items()
    ]
    OrderConfirmationEnqueued.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["order_id"],
        update_fields=["enqueued_at", "attempts"],
    )


def backoff_steps(grace: timedelta, cap: timedelta) -> list[tuple[int, timedelta]]:
    """(attempts, wait before the next enqueue) for attempts 1, 2, ...: the grace period,
    doubled per attempt; the last step's wait (the cap) holds for every later attempt too."""
    cap = max(cap, grace)
    steps, attempts = [], 1
    while True:
        wait = min(grace * 2 ** (attempts - 1), cap)
        steps.append((attempts, wait))
        if wait >= cap or grace <= timedelta(0):
            return steps
        attempts += 1


def still_backing_off(grace: timedelta, cap: timedelta, now: datetime) -> QuerySet:
    """Records whose order must not be enqueued again yet (one OR term per backoff step, so
    the rule runs in the database on PostgreSQL and SQLite alike)."""
    steps = backoff_steps(grace, cap)
    recent = Q()
    for index, (attempts, wait) in enumerate(steps):
        if len(steps) == 1:
            term = Q()
        elif index == 0:
            term = Q(attempts__lte=attempts)
        elif index == len(steps) - 1:
            term = Q(attempts__gte=attempts)
        else:
            term = Q(attempts=attempts)
        recent |= term & Q(enqueued_at__gt=now - wait)
    return OrderConfirmationEnqueued.objects.filter(recent)
