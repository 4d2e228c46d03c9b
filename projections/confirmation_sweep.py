"""The safety net behind the notifier: re-enqueue confirmations that never arrived, without
flooding the broker while no worker runs (docs/decisions/014-confirmation-re-enqueue.md).

The notifier's checkpoint moves once the broker accepted a task, but the Redis transport can
still drop a task that a worker was taking when Redis stopped (it pops and records "unacked"
in two commands; the fault drill lost 1 in ~25 outages). Confirmed orders older than a grace
period with no delivery row are enqueued again; the task is idempotent per order. Cancelled
orders are not CONFIRMED in the read table, and one the task skipped has a skip row: neither is
enqueued again.

An order is enqueued again only once its earlier task can no longer be pending: never while
the broker's queue still holds tasks (a queued task is pending by definition), and per order
only after grace * 2^(attempts - 1) since its last enqueue, capped. Losses happen around the
moment of enqueueing, so the sweep looks back a bounded window (a day), not all history.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .confirmation_backlog import DEFAULT_LOOKBACK, queue_depth, unsent_orders
from .confirmation_enqueues import record_enqueues, still_backing_off
from .models import OrderConfirmationEnqueued

logger = logging.getLogger(__name__)


class ConfirmationSweep:
    def __init__(
        self,
        enqueue: Callable[[str], None],
        grace: timedelta = timedelta(minutes=2),
        interval_seconds: float = 60.0,
        lookback: timedelta = DEFAULT_LOOKBACK,
        limit: int = 500,
        max_backoff: timedelta = timedelta(hours=1),
        waiting_tasks: Callable[[], int] = queue_depth,
    ) -> None:
        self.enqueue, self.grace, self.limit = enqueue, grace, limit
        self.interval_seconds = interval_seconds
        self.lookback, self.max_backoff = lookback, max_backoff
        self.waiting_tasks = waiting_tasks
        self._last = 0.0

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.interval_seconds

    def run(self) -> int:
        """Enqueue confirmations missing past their backoff; how many were re-enqueued."""
        self._last = time.monotonic()
        waiting = self.waiting_tasks()
        if waiting:
            logger.info("confirmation sweep: %d task(s) still queued; re-enqueued none", waiting)
            return 0
        now = timezone.now()
        before = now - self.grace
        backing_off = still_backing_off(self.grace, self.max_backoff, now)
        missing = list(
            unsent_orders(before - self.lookback, before)
            .filter(~Exists(backing_off.filter(order_id=OuterRef("order_id"))))
            .order_by("created_at")
            .values_list("order_id", flat=True)[: self.limit]
        )
        attempts = dict(
            OrderConfirmationEnqueued.objects.filter(order_id__in=missing).values_list(
                "order_id", "attempts"
            )
        )
        enqueued: dict[UUID, int] = {}
        try:
            for order_id in missing:
                self.enqueue(str(order_id))
                enqueued[order_id] = attempts.get(order_id, 0) + 1
        finally:  # a broker that failed half-way: the ones it accepted still back off
            record_enqueues(enqueued, now)
        if missing:
            logger.warning("confirmation sweep re-enqueued %d orders", len(missing))
        return len(missing)
