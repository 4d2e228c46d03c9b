"""Celery task `send_order_confirmation`: idempotent per order, retried with backoff."""

from __future__ import annotations

import logging
import smtplib
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from events import correlation

from .confirmation import NotConfirmed, OrderWasCancelled, build_confirmation
from .models import OrderConfirmationSent, OrderConfirmationSkipped

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=20,
)
def send_order_confirmation(self, order_id: str, correlation_id: str | None = None) -> str:
    """Send the confirmation once: the delivery row and the email succeed together or retry.

    `correlation_id` (the request that placed the order; absent from messages queued before it
    existed) is bound while the task runs, so its log lines carry it."""
    with correlation.bound(correlation.Correlation(correlation_id) if correlation_id else None):
        logger.info("confirmation task started", extra={"order_id": order_id})
        return _send_order_confirmation(order_id)


def _send_order_confirmation(order_id: str) -> str:
    order_uuid = UUID(order_id)
    handled = already_handled(order_uuid)
    if handled:
        return handled
    try:
        confirmation = build_confirmation(order_uuid)
    except NotConfirmed:
        logger.warning("order=%s is not confirmed; nothing to send", order_id)
        return "not-confirmed"
    except OrderWasCancelled:
        return skip_cancelled(order_uuid)
    try:
        with transaction.atomic():
            # A concurrent duplicate blocks here and then fails on the unique key.
            OrderConfirmationSent.objects.create(
                order_id=order_uuid, sent_at=timezone.now(), recipient=settings.ORDER_EMAIL_TO
            )
            send_mail(
                confirmation.subject,
                confirmation.body,
                settings.ORDER_EMAIL_FROM,
                [settings.ORDER_EMAIL_TO],
            )
    except IntegrityError:
        return "already-sent"
    logger.info("confirmation sent order=%s", order_id)
    return "sent"


def already_handled(order_id: UUID) -> str | None:
    """What an earlier run of the task did for this order, if it finished."""
    if OrderConfirmationSent.objects.filter(order_id=order_id).exists():
        return "already-sent"
    if OrderConfirmationSkipped.objects.filter(order_id=order_id).exists():
        return "skipped-cancelled"
    return None


def skip_cancelled(order_id: UUID) -> str:
    """Record that the order was cancelled before its confirmation went out (idempotent)."""
    OrderConfirmationSkipped.objects.get_or_create(
        order_id=order_id, defaults={"skipped_at": timezone.now(), "reason": "cancelled"}
    )
    logger.info("confirmation skipped order=%s: cancelled before sending", order_id)
    return "skipped-cancelled"


def enqueue_order_confirmation(order_id: str, correlation_id: str | None = None) -> None:
    """Hand the task to the broker; raises if the broker did not accept it. The correlation id
    defaults to the one bound now (the notifier binds the order's)."""
    correlation_id = correlation_id or correlation.current_id()
    send_order_confirmation.apply_async(
        args=[order_id], kwargs={"correlation_id": correlation_id}, retry=False
    )
