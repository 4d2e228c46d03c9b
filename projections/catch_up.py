"""Catch a set of projectors up with the event store, batch after batch."""

from __future__ import annotations

from collections.abc import Iterable

from aforro_backend.event_store import event_store_reader

from .base import Projector
from .batches import process_batch
from .source import EventSource

DEFAULT_BATCH_SIZE = 500


def catch_up(
    projectors: Iterable[Projector],
    source: EventSource | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Process until every projector has seen the head as of its last read; events processed."""
    source = source or EventSource(event_store_reader())
    total = 0
    for projector in projectors:
        while True:
            result = process_batch(projector, source, batch_size)
            total += result.processed
            if result.processed < batch_size:
                break
    return total
