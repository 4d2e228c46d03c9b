"""Catch a set of projectors up with the event store, batch after batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from events.config import event_store_reader

from .base import Projector
from .batches import process_batch
from .source import EventSource

DEFAULT_BATCH_SIZE = 500


def next_size(projector: Projector, size: int, batch_size: int) -> int:
    """The batch after a full one: a projector that finds a full batch is behind, and its
    next batch is twice as large, up to its `max_batch_size` (one without keeps `batch_size`).
    The catalog's per-batch costs that do not grow with the batch (suggestion keys and lexemes
    its titles share, statement round trips) are then shared by more events
    (docs/decisions/020-catalog-projector-at-scale.md)."""
    return min(2 * size, max(batch_size, getattr(projector, "max_batch_size", batch_size)))


def catch_up(
    projectors: Iterable[Projector],
    source: EventSource | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[], None] = lambda: None,
) -> int:
    """Process until every projector has seen the head as of its last read; events processed.

    Projectors take one batch each in turn: under sustained appends the first one would
    otherwise always find a full batch and the others would never run. `after_batch` runs
    between the batches' transactions (the worker's heartbeat during a long catch-up).
    Each projector starts at `batch_size` and grows after full batches (`next_size`)."""
    source = source or EventSource(event_store_reader())
    total = 0
    pending = list(projectors)
    sizes = {projector.name: batch_size for projector in pending}
    while pending:
        for projector in list(pending):
            size = sizes[projector.name]
            result = process_batch(projector, source, size)
            after_batch()
            total += result.processed
            if result.processed < size:
                pending.remove(projector)
            else:
                sizes[projector.name] = next_size(projector, size, batch_size)
    return total
