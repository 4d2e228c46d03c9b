"""The embedded mode's projector thread, supervised: a worker whose loop raises is logged with
its traceback and replaced by a new one after a bounded backoff, so the projectors of a web
process never die silently. While none runs its heartbeat goes stale and /health/ says so.
May import projections' own modules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import connections

from .worker import ProjectionWorker

logger = logging.getLogger(__name__)


class SupervisedProjectors:
    def __init__(
        self,
        make_worker: Callable[[threading.Event], ProjectionWorker],
        *,
        first_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.make_worker = make_worker  # builds a fresh worker that stops on the given event
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.stop_event = threading.Event()
        self.restarts = 0
        self.thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        self.thread = threading.Thread(target=self._supervise, name="projections", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self, timeout: float | None = None) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _supervise(self) -> None:
        backoff = self.first_backoff
        try:
            while not self.stop_event.is_set():
                started = time.monotonic()
                if self._run_one():
                    return
                if time.monotonic() - started > self.max_backoff:
                    backoff = self.first_backoff  # it ran well for a while: not a crash loop
                logger.info("projector thread restarting in %.1fs", backoff)
                if self.stop_event.wait(backoff):
                    return
                self.restarts += 1
                backoff = min(backoff * 2, self.max_backoff)
        finally:
            connections.close_all()

    def _run_one(self) -> bool:
        """Run one worker until it stops (True) or raises (False, logged with its traceback)."""
        worker = None
        try:
            worker = self.make_worker(self.stop_event)
            worker.run()
            return True
        except Exception:
            logger.exception("projector thread failed")
            if worker is not None:
                worker.drop_connections()  # a new worker starts from fresh sessions and locks
            return False
