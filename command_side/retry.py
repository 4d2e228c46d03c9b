"""The one retry loop: attempt (holding the writer locks if the items conflicted recently), and
on a version conflict back off and try again a bounded number of times."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from .context import CommandContext
from .errors import ConcurrencyExhausted

T = TypeVar("T")


def retry_on_conflict(
    ctx: CommandContext,
    lock_ids: Iterable[UUID],
    attempt: Callable[[], T],
    on_conflict: Callable[[], T | None] = lambda: None,
) -> T:
    """Run `attempt` under the locks; a conflict asks `on_conflict` for an answer, else retries."""
    lock_ids = list(lock_ids)
    for attempt_number in range(1, ctx.max_attempts + 1):
        try:
            # Items that conflicted a moment ago queue on the writer locks; the rest go
            # optimistic (contention.py).
            if ctx.recent_conflicts.any_of(lock_ids):
                with ctx.locks.hold(lock_ids):
                    return attempt()
            return attempt()
        except IntegrityError:
            ctx.conflicts += 1
            ctx.recent_conflicts.record(lock_ids)
            answer = on_conflict()
            if answer is not None:
                return answer
        ctx.backoff(attempt_number)
    raise ConcurrencyExhausted(ctx.max_attempts)
