"""The safety net behind the notifier: re-enqueue confirmations that never arrived.

The notifier's checkpoint moves once the broker accepted a task, but the Redis transport can
still drop a task that a worker was taking when Redis stopped (it pops and records "unacked"
in two commands; the fault drill lost 1 in ~25 outages). Confirmed orders older than a grace
period with no delivery row are enqueued again; the task is idempotent per order. Cancelled
orders are not CONFIRMED in the read table, and one the task skipped has a skip row: neither is
enqueued again.

Losses happen around the moment of enqueueing, so the sweep looks back a bounded window (a
day) rather than over all history, and asks with NOT EXISTS: PostgreSQL plans `NOT IN
(subquery)` as a hashed subplan only while the delivery rows fit in work_mem, and beyond that
as a rescan per order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from query_side.models import OrderRow

from .models import OrderConfirmationSent, OrderConfirmationSkipped

logger = logging.getLogger(__name__)


class ConfirmationSweep:
    def __init__(
        self,
        enqueue: Callable[[str], None],
        grace: timedelta = timedelta(minutes=2),
        interval_seconds: float = 60.0,
        lookback: timedelta = timedelta(days=1),
        limit: int = 500,
    ) -> None:
        self.enqueue, self.grace, self.limit = enqueue, grace, limit
        self.interval_seconds = interval_seconds
        self.lookback = lookback
        self._last = 0.0

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.interval_seconds

    def run(self) -> int:
        """Enqueue confirmations missing past the grace period; how many were re-enqueued."""
        self._last = time.monotonic()
        before = timezone.now() - self.grace
        sent = OrderConfirmationSent.objects.filter(order_id=OuterRef("order_id"))
        skipped = OrderConfirmationSkipped.objects.filter(order_id=OuterRef("order_id"))
        missing = list(
            OrderRow.objects.filter(
                status="CONFIRMED", created_at__lt=before, created_at__gte=before - self.lookback
            )
            .filter(~Exists(sent), ~Exists(skipped))
            .order_by("created_at")
            .values_list("order_id", flat=True)[: self.limit]
        )
        for order_id in missing:
            self.enqueue(str(order_id))
        if missing:
            logger.warning("confirmation sweep re-enqueued %d orders", len(missing))
        return len(missing)
