"""`manage.py seed_data`: append the reproducible demo catalog through the bulk command handlers.

The data comes from `api.seed_catalog`; this module parses options, shows progress and reports
what was created, what already existed and how fast it went.
"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aforro_backend.composition import command_context
from api.seed_catalog import CATEGORIES, SeedBatch, SeedSizes, build_catalog, seed_batches
from command_side.catalog import Store
from command_side.context import CommandContext
from command_side.ids import store_aggregate_id

DEFAULT_BATCH_SIZE = 500
SIZE_OPTIONS = {
    "stores": "stores, ids 1..N",
    "products": "products, ids 1..N",
    "stock_per_store": "distinct products in each store, 1..500 units each",
    "categories": f"product categories to use, 1..{len(CATEGORIES)}",
    "seed": "random seed: the same seed and sizes give the same data",
}


class Command(BaseCommand):
    help = (
        "Seed stores, products and per-store stock through the event store, in batches of one "
        "atomic append each. Re-running creates nothing twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = SeedSizes()
        for name, text in SIZE_OPTIONS.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                type=int,
                default=getattr(defaults, name),
                help=f"{text} (default: %(default)s)",
            )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="aggregates per atomic event-store append (default: %(default)s)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if store 1 already exists (what `make run` uses)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = SeedSizes(**{name: options[name] for name in SIZE_OPTIONS})
        problems = sizes.problems()
        if options["batch_size"] < 1:
            problems.append("--batch-size must be at least 1")
        if problems:
            raise CommandError("; ".join(problems))
        ctx = command_context()
        if options["if_empty"] and ctx.app.load(Store, store_aggregate_id(1)) is not None:
            self.stdout.write("Store 1 exists: nothing seeded (--if-empty).")
            return
        batches = seed_batches(build_catalog(sizes), options["batch_size"])
        self._append(ctx, batches, show_progress=options["verbosity"] > 0)

    def _append(self, ctx: CommandContext, batches: list[SeedBatch], show_progress: bool) -> None:
        created: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        head_before = ctx.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        total = sum(len(b.specs) for b in batches)
        with tqdm(total=total, unit="agg", file=sys.stderr, disable=not show_progress) as bar:
            for batch in batches:
                bar.set_description(batch.kind)
                result = batch.append(ctx, batch.specs)
                created[batch.kind] += result.created
                skipped[batch.kind] += result.skipped
                bar.update(len(batch.specs))
        seconds = time.perf_counter() - started
        events = (ctx.app.recorder.max_notification_id() or 0) - head_before
        for kind in dict.fromkeys(b.kind for b in batches):
            self.stdout.write(f"{kind}: {created[kind]} created, {skipped[kind]} already existed")
        aggregates = sum(created.values())
        self.stdout.write(
            f"Appended {aggregates} aggregates, {events} events in {seconds:.2f} s: "
            f"{aggregates / seconds:.0f} aggregates/s, {events / seconds:.0f} events/s"
        )
