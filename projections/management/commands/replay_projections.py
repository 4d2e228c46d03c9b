"""`manage.py replay_projections [names]`: rebuild read tables from the event store."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events.config import event_store_reader
from projections.registry import UnknownProjection, select
from projections.replay import rebuild, rebuild_in_place
from projections.source import EventSource


class Command(BaseCommand):
    help = (
        "Rebuild the named projections (default all) from position 0, with a progress bar. "
        "By default the rebuild runs in one transaction and swaps in atomically when caught up "
        "(live reads keep the old rows); --in-place truncates first. Notifications never replay."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="projections to rebuild (default: all)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=20000,
            # Large: a rebuild rewrites the same inventory rows once per batch it sees them in.
            help="events read per batch (default %(default)s)",
        )
        parser.add_argument(
            "--in-place", action="store_true", help="truncate and replay in separate transactions"
        )

    def handle(self, *args, **options) -> None:
        try:
            projectors = select(options["names"])
        except UnknownProjection as error:
            raise CommandError(str(error)) from None
        source = EventSource(event_store_reader())
        replay = rebuild_in_place if options["in_place"] else rebuild
        for projector in projectors:
            started = time.perf_counter()
            with tqdm(
                total=source.head(), desc=projector.name, unit="ev", file=sys.stderr, disable=None
            ) as bar:
                result = replay(projector, source, options["batch_size"], bar.update)
            elapsed = time.perf_counter() - started
            rate = result.events / elapsed if elapsed else 0.0
            self.stdout.write(
                f"{result.name}: {result.events} events to position {result.position} "
                f"in {elapsed:.2f}s ({rate:,.0f} events/s)"
            )
