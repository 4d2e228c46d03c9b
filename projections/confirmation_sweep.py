"""The safety net behind the notifier: re-enqueue confirmations that never arrived.

The notifier's checkpoint moves once the broker accepted a task, but the Redis transport can
still drop a task that a worker was taking when Redis stopped (it pops and records "unacked"
in two commands; the fault drill lost 1 in ~25 outages). Confirmed orders older than a grace
period with no delivery row are enqueued again; the task is idempotent per order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from query_side.models import OrderRow

from .models import OrderConfirmationSent

logger = logging.getLogger(__name__)


class ConfirmationSweep:
    def __init__(
        self,
        enqueue: Callable[[str], None],
        grace: timedelta = timedelta(minutes=2),
        interval_seconds: float = 60.0,
        limit: int = 500,
    ) -> None:
        self.enqueue, self.grace, self.limit = enqueue, grace, limit
        self.interval_seconds = interval_seconds
        self._last = 0.0

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.interval_seconds

    def run(self) -> int:
        """Enqueue confirmations missing past the grace period; how many were re-enqueued."""
        self._last = time.monotonic()
        missing = list(
            OrderRow.objects.filter(status="CONFIRMED", created_at__lt=timezone.now() - self.grace)
            .exclude(order_id__in=OrderConfirmationSent.objects.values("order_id"))
            .order_by("created_at")
            .values_list("order_id", flat=True)[: self.limit]
        )
        for order_id in missing:
            self.enqueue(str(order_id))
        if missing:
            logger.warning("confirmation sweep re-enqueued %d orders", len(missing))
        return len(missing)
