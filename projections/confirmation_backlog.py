"""What /metrics shows of the confirmations: tasks waiting in the broker's queue, and the age
of the oldest confirmed order that has no e-mail yet (and was neither cancelled nor skipped).

The embedded mode runs tasks eagerly: nothing ever waits in a queue (0). May import Django,
Celery, query_side and this package.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from query_side.models import OrderRow

from .models import OrderConfirmationSent, OrderConfirmationSkipped
from .tasks import send_order_confirmation

logger = logging.getLogger(__name__)

# Losses happen around the moment of enqueueing: the sweep, and this gauge, look back a day.
DEFAULT_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class ConfirmationBacklog:
    queue_depth: int | None  # None: the broker did not answer
    oldest_unsent_seconds: float | None  # None: every confirmation in the window went out


def unsent_orders(since: datetime, before: datetime) -> QuerySet:
    """Confirmed orders placed in [since, before) with no delivery row and no skip row. Asked
    with NOT EXISTS: PostgreSQL plans `NOT IN (subquery)` as a hashed subplan only while the
    delivery rows fit in work_mem, and beyond that as a rescan per order."""
    sent = OrderConfirmationSent.objects.filter(order_id=OuterRef("order_id"))
    skipped = OrderConfirmationSkipped.objects.filter(order_id=OuterRef("order_id"))
    return OrderRow.objects.filter(
        status="CONFIRMED", created_at__lt=before, created_at__gte=since
    ).filter(~Exists(sent), ~Exists(skipped))


def queue_depth() -> int:
    """Confirmation tasks in the broker's queue, not yet fetched by a worker (every priority
    level of it on Redis); raises if the broker does not answer."""
    app = send_order_confirmation.app
    if app.conf.task_always_eager:
        return 0
    with app.connection_for_write() as connection:
        declared = connection.default_channel.queue_declare(queue=app.conf.task_default_queue)
        return int(declared.message_count)


def oldest_unsent_seconds(now: datetime, lookback: timedelta = DEFAULT_LOOKBACK) -> float | None:
    oldest = (
        unsent_orders(now - lookback, now)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if oldest is None else max((now - oldest).total_seconds(), 0.0)


def confirmation_backlog(now: datetime | None = None) -> ConfirmationBacklog:
    """Both gauges; a broker that does not answer is None, never an error of the scrape."""
    now = now or timezone.now()
    try:
        depth: int | None = queue_depth()
    except Exception as error:  # kombu/redis raise several kinds; the scrape must not fail
        logger.warning("confirmation backlog: the broker did not answer (%r)", error)
        depth = None
    return ConfirmationBacklog(depth, oldest_unsent_seconds(now))
