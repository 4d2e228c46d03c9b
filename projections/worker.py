"""The projector worker loop behind `run_projectors` and the embedded in-process thread.

It wakes on appends (LISTEN/NOTIFY on PostgreSQL, a short poll on SQLite), catches up every
projection it holds, survives database restarts by reconnecting and resuming from the
checkpoints, and stops cleanly when asked. A projector that cannot fold an event stops the
worker with the event's position in the log. While it runs it keeps a heartbeat of the
projections it holds (projections/heartbeat.py), at least once per poll interval when idle.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import psycopg
import redis.exceptions
from django.conf import settings
from django.db import close_old_connections, connections
from kombu.exceptions import OperationalError as KombuOperationalError

from events.config import event_store_config, event_store_reader, postgres_conninfo
from query_side.cache_keys import bump_generation

from .base import Projector
from .batches import is_infrastructure_error
from .catch_up import DEFAULT_BATCH_SIZE, catch_up
from .confirmation_sweep import ConfirmationSweep
from .heartbeat import Heartbeat
from .leadership import LocalLeadership, PostgresLeadership
from .notifier import Notifier
from .source import EventSource

logger = logging.getLogger(__name__)

# What a broker outage looks like to a publisher; anything else is a bug and stops the worker.
BROKER_ERRORS = (KombuOperationalError, redis.exceptions.ConnectionError, ConnectionError)
# A wake-up sooner than this after a step found an append already waiting: sustained load.
BUSY_WAKE_SECONDS = 0.002


class ProjectionWorker:
    def __init__(
        self,
        projectors: Sequence[Projector],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        poll_interval: float | None = None,
        stop_event: threading.Event | None = None,
        notifier: Notifier | None = None,
        coalesce_seconds: float = 0.01,
        busy_coalesce_seconds: float = 0.05,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.projectors = list(projectors)
        # Readers with min_position answer 503 at once for a projection whose heartbeat is old.
        self.heartbeat = heartbeat or Heartbeat()
        self.notifier = notifier
        # Confirmed orders whose task the broker lost still get their email.
        self.sweep = (
            ConfirmationSweep(
                notifier.enqueue,
                grace=timedelta(seconds=settings.CONFIRMATION_SWEEP_GRACE_SECONDS),
                interval_seconds=settings.CONFIRMATION_SWEEP_INTERVAL_SECONDS,
                max_backoff=timedelta(seconds=settings.CONFIRMATION_SWEEP_MAX_BACKOFF_SECONDS),
            )
            if notifier is not None
            else None
        )
        self.coalesce_seconds = coalesce_seconds
        self.busy_coalesce_seconds = max(busy_coalesce_seconds, coalesce_seconds)
        self.batch_size = batch_size
        self.stop_event = stop_event or threading.Event()
        config = event_store_config()
        if config.is_postgres:
            channel = event_store_reader().recorder.channel_name
            self.leadership = PostgresLeadership(postgres_conninfo(config), channel)
            self.poll_interval = poll_interval or 1.0
        else:
            self.leadership = LocalLeadership(self.stop_event)
            self.poll_interval = poll_interval or 0.1

    def stop(self) -> None:
        self.stop_event.set()

    def step(self) -> int:
        """Catch up every projection this worker holds; events processed."""
        names = [p.name for p in self.projectors]
        if self.notifier is not None:
            names.append(self.notifier.name)
        held = self.leadership.acquire(names)
        self.heartbeat.beat(held)
        source = EventSource(event_store_reader())
        mine = [p for p in self.projectors if p.name in held]
        processed = catch_up(mine, source, self.batch_size, lambda: self.heartbeat.beat(held))
        if self.notifier is not None and self.notifier.name in held:
            processed += self._notify(source)
        return processed

    def _notify(self, source: EventSource) -> int:
        """Enqueue confirmations; a broker outage only delays them (the checkpoint stays)."""
        try:
            processed = self.notifier.catch_up(source)
            if self.sweep is not None and self.sweep.due():
                self.sweep.run()
            return processed
        except BROKER_ERRORS as error:
            logger.warning("notifier: broker unavailable (%r); will retry", error)
            return 0

    def run(self) -> None:
        bump_generation()  # a crash may have left cached pages older than committed rows
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                if self.step() < self.batch_size:  # caught up: wait for the next append
                    self._wait_for_appends()
                backoff = 0.5
            except Exception as error:
                if not is_infrastructure_error(error) and not _is_connection_error(error):
                    raise
                logger.warning("database unavailable (%r); retrying in %.1fs", error, backoff)
                self.drop_connections()
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.leadership.close()
        close_old_connections()

    def _wait_for_appends(self) -> None:
        """Sleep until an append, then let the appends of the next few milliseconds join one
        batch: per-batch cost (transaction, checkpoint, cache bumps) dominates tiny batches.
        An append already waiting means sustained load, where the projector's CPU is taken
        from the web tier: then the window is the longer one, still far inside the lag target.
        """
        started = time.monotonic()
        self.leadership.wait(self.poll_interval)
        busy = time.monotonic() - started < BUSY_WAKE_SECONDS
        self.stop_event.wait(self.busy_coalesce_seconds if busy else self.coalesce_seconds)

    def drop_connections(self) -> None:
        self.leadership.close()
        for conn in connections.all():
            conn.close_if_unusable_or_obsolete()
            try:
                conn.close()
            except Exception:
                logger.debug("closing a broken connection failed", exc_info=True)


def _is_connection_error(error: BaseException) -> bool:
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError, ConnectionError))


def start_in_background(worker: ProjectionWorker) -> threading.Thread:
    """Run the worker in a daemon thread, unsupervised (tests; the embedded mode supervises its
    thread: projections/supervisor.py)."""

    def target() -> None:
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="projections", daemon=True)
    thread.start()
    return thread
