"""One batch of one projector: rows and checkpoint commit in one transaction, or neither.

The checkpoint row is locked for the transaction, so two workers (or a worker and a rebuild)
can never fold the same events twice; a crash at any instant rolls back rows and checkpoint
together. Cache invalidation runs after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.db import transaction
from eventsourcing.persistence import InterfaceError, OperationalError

from events.correlation import metadata_of
from query_side.cache_keys import bump

from .base import Projector, Touched
from .checkpoints import Checkpoint, locked_checkpoint
from .source import Batch, EventSource

logger = logging.getLogger(__name__)
# A batch of many orders is one line, not a wall of ids: the count says how many were left out.
MAX_LOGGED_CORRELATION_IDS = 20


class ProjectionFailed(Exception):
    """A projector could not fold the event at `position`; it stops there, never skips."""

    def __init__(self, name: str, position: int, cause: BaseException) -> None:
        super().__init__(f"projection {name} failed at event position {position}: {cause!r}")
        self.name, self.position, self.cause = name, position, cause


@dataclass(frozen=True)
class BatchResult:
    processed: int
    position: int


def fold_after_checkpoint(
    projector: Projector, source: EventSource, checkpoint: Checkpoint, limit: int
) -> tuple[int, Touched]:
    """Fold the next events into the tables and advance the checkpoint (caller's transaction)."""
    batch = source.read(checkpoint.position, limit, projector.topics)
    if batch.size == 0:
        return 0, Touched()
    touched = projector.apply(batch.events)
    checkpoint.position = batch.last_position
    checkpoint.event_time = batch.last_event.timestamp if batch.last_event else None
    checkpoint.save()
    log_batch(projector.name, batch)
    return batch.size, touched


def log_batch(name: str, batch: Batch) -> None:
    """One line per batch that folded events: where, how many, and which requests wrote them
    (the first MAX_LOGGED_CORRELATION_IDS distinct ids, and how many there were)."""
    if not batch.events:
        return
    ids = list(dict.fromkeys(filter(None, (correlation_id(e) for _, e in batch.events))))
    shown = ids[:MAX_LOGGED_CORRELATION_IDS]
    more = f" (+{len(ids) - len(shown)} more)" if len(ids) > len(shown) else ""
    first = batch.events[0][0]
    logger.info(
        "projection=%s folded positions %s..%s events=%s correlation_ids=%s%s",
        *(name, first, batch.last_position, len(batch.events), ",".join(shown) or "-", more),
        extra={
            "projection": name,
            "first_position": first,
            "last_position": batch.last_position,
            "events": len(batch.events),
            "correlation_ids": shown,
            "correlation_id_count": len(ids),
        },
    )


def correlation_id(event) -> str | None:
    return metadata_of(event)["correlation_id"]


def process_batch(projector: Projector, source: EventSource, limit: int) -> BatchResult:
    try:
        with transaction.atomic():
            checkpoint = locked_checkpoint(projector.name)
            processed, touched = fold_after_checkpoint(projector, source, checkpoint, limit)
            position = checkpoint.position
    except Exception as error:
        if is_infrastructure_error(error):
            raise
        raise _pinpoint(projector, source, limit, error) from error
    bump(touched.stores)
    return BatchResult(processed, position)


def _pinpoint(projector: Projector, source: EventSource, limit: int, error: Exception):
    """Find the exact event that fails by folding one at a time (each its own transaction)."""
    if limit == 1:
        with transaction.atomic():
            after = locked_checkpoint(projector.name).position
        # The next stored position, not after + 1: rolled-back appends leave gaps.
        position = source.read(after, 1, projector.topics).last_position
        logger.error("projection=%s position=%s failed: %r", projector.name, position, error)
        return ProjectionFailed(projector.name, position, error)
    for _ in range(limit):
        try:
            if process_batch(projector, source, 1).processed == 0:
                break
        except ProjectionFailed as failed:
            return failed
    # Every event folded on its own: the failure shows only in a batch. Stop rather than loop.
    with transaction.atomic():
        position = locked_checkpoint(projector.name).position
    logger.error("projection=%s failed in a batch up to %s: %r", projector.name, position, error)
    return ProjectionFailed(projector.name, position, error)


def is_infrastructure_error(error: BaseException) -> bool:
    """Database or network trouble: retry later, the events themselves are fine."""
    return isinstance(
        error, (DjangoOperationalError, DjangoInterfaceError, OperationalError, InterfaceError)
    )
