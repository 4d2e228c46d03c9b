"""`manage.py projection_status`: checkpoint, head, lag and holder of each projection."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from projections.status import projection_status


class Command(BaseCommand):
    help = "Show each projection's checkpoint, the event store head, the lag, and its holder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="projections (default: all)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options) -> None:
        statuses = projection_status(options["names"] or None)
        if options["json"]:
            self.stdout.write(json.dumps([s.as_dict() for s in statuses], indent=2))
            return
        self.stdout.write(
            f"{'projection':<14}{'position':>10}{'head':>10}{'lag':>8}{'lag s':>9}  held"
        )
        for s in statuses:
            held = {True: "yes", False: "no", None: "-"}[s.held]
            self.stdout.write(
                f"{s.name:<14}{s.position:>10}{s.head:>10}{s.lag_events:>8}"
                f"{s.lag_seconds:>9.2f}  {held}"
            )
