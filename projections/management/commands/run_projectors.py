"""`manage.py run_projectors`: the long-running projector worker (or `--once` to catch up)."""

from __future__ import annotations

import logging
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from projections.batches import ProjectionFailed
from projections.catch_up import DEFAULT_BATCH_SIZE
from projections.notifier import NAME as NOTIFIER
from projections.notifier import Notifier
from projections.registry import UnknownProjection, select
from projections.tasks import enqueue_order_confirmation
from projections.worker import ProjectionWorker

logger = logging.getLogger("projections")


class Command(BaseCommand):
    help = (
        "Fold new events into the read tables. Wakes on appends (LISTEN/NOTIFY on PostgreSQL, "
        "polling on SQLite); a second worker waits as a hot standby. Stops on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "names",
            nargs="*",
            help="projections to run, 'notifier' included (default: all and the notifier)",
        )
        parser.add_argument("--once", action="store_true", help="catch up, then exit")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="events per transaction (default %(default)s)",
        )
        parser.add_argument(
            "--coalesce-ms",
            type=float,
            default=10.0,
            help="after a wake-up, wait this long so more events share one batch "
            "(default %(default)s)",
        )
        parser.add_argument(
            "--busy-coalesce-ms",
            type=float,
            default=50.0,
            help="the same wait under sustained load, when an append is already waiting "
            "after a batch (default %(default)s)",
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=None,
            help="seconds between polls without notifications",
        )

    def handle(self, *args, **options) -> None:
        names = options["names"]
        with_notifier = not names or NOTIFIER in names
        try:
            projectors = select([n for n in names if n != NOTIFIER]) if names != [NOTIFIER] else []
        except UnknownProjection as error:
            raise CommandError(str(error)) from None
        worker = ProjectionWorker(
            projectors,
            batch_size=options["batch_size"],
            poll_interval=options["poll_interval"],
            notifier=Notifier(enqueue_order_confirmation) if with_notifier else None,
            coalesce_seconds=options["coalesce_ms"] / 1000,
            busy_coalesce_seconds=options["busy_coalesce_ms"] / 1000,
        )
        previous = {
            signum: signal.signal(signum, lambda *_: worker.stop())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            if options["once"]:
                processed = worker.step()
                self.stdout.write(f"caught up: {processed} events processed")
                return
            running = [p.name for p in projectors] + ([NOTIFIER] if with_notifier else [])
            logger.info("projector worker started: %s", ", ".join(running))
            worker.run()
            logger.info("projector worker stopped")
        except ProjectionFailed as failed:
            logger.error("%s", failed)
            sys.exit(2)
        finally:
            # `--once` (or a caller like call_command) must not keep the projection locks.
            worker.leadership.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
