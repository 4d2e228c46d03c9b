"""Which aggregates were written concurrently a moment ago, so their next writers queue.

Writer locks cost two round trips per order that, on a catalog of many items, almost never
wait for anyone. So an order's first attempt goes without them, guarded only by the event
store's expected versions; when an append conflicts, its items are remembered here for a few
seconds and every attempt on them takes the locks, so a hot item queues instead of turning
into a retry storm. Memory is per process: each worker learns on its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from uuid import UUID

REMEMBER_SECONDS = 5.0
MAX_REMEMBERED = 10000  # bounded: forget everything rather than grow without end


class RecentConflicts:
    def __init__(
        self,
        remember_seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remember = remember_seconds
        self._clock = clock
        self._until: dict[UUID, float] = {}
        self._lock = threading.Lock()

    def record(self, aggregate_ids: Iterable[UUID]) -> None:
        until = self._clock() + self._remember
        with self._lock:
            if len(self._until) > MAX_REMEMBERED:
                self._until.clear()
            for aggregate_id in aggregate_ids:
                self._until[aggregate_id] = until

    def any_of(self, aggregate_ids: Iterable[UUID]) -> bool:
        if not self._until:
            return False
        now = self._clock()
        return any(self._until.get(i, 0.0) > now for i in aggregate_ids)
