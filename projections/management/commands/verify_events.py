"""`manage.py verify_events`: decode (and upcast) every stored event, counting them by type."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from eventsourcing.utils import resolve_topic
from tqdm import tqdm

from events.config import event_store_reader
from projections.verify import UndecodableEvent, verify_events


class Command(BaseCommand):
    help = (
        "Read the whole event store in batches and decode every event through today's classes "
        "(upcasting older versions), printing counts per type and stored version and the rate. "
        "Exits non-zero naming the first position that cannot be decoded. Read-only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="events read per batch (default %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        reader = event_store_reader()
        started = time.perf_counter()
        total = reader.recorder.max_notification_id() or 0
        with tqdm(total=total, unit="ev", file=sys.stderr, disable=None) as bar:
            try:
                counts = verify_events(reader, batch_size, bar.update)
            except UndecodableEvent as error:
                raise CommandError(str(error)) from None
        elapsed = time.perf_counter() - started
        for (topic, version), count in sorted(counts.items()):
            current = resolve_topic(topic).class_version
            upcast = f" (upcast to v{current})" if version != current else ""
            self.stdout.write(f"{topic} v{version}{upcast}: {count}")
        events = sum(counts.values())
        rate = events / elapsed if elapsed else 0.0
        self.stdout.write(f"{events} events decoded in {elapsed:.2f}s ({rate:,.0f} events/s)")
