"""Catch a set of projectors up with the event store, batch after batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from events.config import event_store_reader

from .base import Projector
from .batches import process_batch
from .source import EventSource

DEFAULT_BATCH_SIZE = 500


def catch_up(
    projectors: Iterable[Projector],
    source: EventSource | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[], None] = lambda: None,
) -> int:
    """Process until every projector has seen the head as of its last read; events processed.

    Projectors take one batch each in turn: under sustained appends the first one would
    otherwise always find a full batch and the others would never run. `after_batch` runs
    between the batches' transactions (the worker's heartbeat during a long catch-up)."""
    source = source or EventSource(event_store_reader())
    total = 0
    pending = list(projectors)
    while pending:
        for projector in list(pending):
            result = process_batch(projector, source, batch_size)
            after_batch()
            total += result.processed
            if result.processed < batch_size:
                pending.remove(projector)
    return total
