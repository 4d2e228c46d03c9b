"""The notifier: follows the event stream like a projector and enqueues one confirmation task
per confirmed order (`StockReserved`).

Its checkpoint advances only after the broker accepted every task of the batch, so a broker
outage delays notifications and never loses them. A crash between enqueue and checkpoint
enqueues again; the task is idempotent per order, so nobody gets two emails.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from events import correlation
from events.orders import StockReserved
from query_side.projection_names import NOTIFIER

from .checkpoints import locked_checkpoint
from .confirmation_enqueues import record_enqueues
from .source import EventSource

logger = logging.getLogger(__name__)

NAME = NOTIFIER
TOPICS = frozenset({StockReserved.TOPIC})


class Notifier:
    name = NAME

    def __init__(self, enqueue, batch_size: int = 500) -> None:
        self.enqueue = enqueue  # order_id (str) -> None; raises if the broker refused it
        self.batch_size = batch_size

    def process_batch(self, source: EventSource) -> int:
        with transaction.atomic():
            start = locked_checkpoint(NAME).position
        batch = source.read(start, self.batch_size, TOPICS)
        for position, event in batch.events:
            # The task (and this line) carry the correlation id of the request that placed it.
            with correlation.following(event):
                self.enqueue(str(event.originator_id))
                logger.info("notifier enqueued order=%s position=%s", event.originator_id, position)
        if batch.size:
            with transaction.atomic():
                # Only once the broker accepted the whole batch: the sweep backs off from here.
                enqueued = {event.originator_id: 1 for _, event in batch.events}
                record_enqueues(enqueued, timezone.now())
                checkpoint = locked_checkpoint(NAME)
                if checkpoint.position == start:
                    checkpoint.position = batch.last_position
                    checkpoint.event_time = batch.last_event.timestamp
                    checkpoint.save()
        return batch.size

    def catch_up(self, source: EventSource) -> int:
        total = 0
        while True:
            processed = self.process_batch(source)
            total += processed
            if processed < self.batch_size:
                return total
