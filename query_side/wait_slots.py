"""A per-process cap on reads waiting for a projection, so waits cannot hold every thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import TooManyWaiting


class WaitSlots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken = 0

    @contextmanager
    def hold(self, cap: int) -> Iterator[None]:
        """One slot of `cap` for the block; TooManyWaiting at once (never queued) when all
        are taken. The cap is read per call, so changing the setting applies at once."""
        with self._lock:
            if self.taken >= cap:
                raise TooManyWaiting(cap)
            self.taken += 1
        try:
            yield
        finally:
            with self._lock:
                self.taken -= 1


WAITERS = WaitSlots()
