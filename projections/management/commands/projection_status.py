"""`manage.py projection_status [names] [--json]`: checkpoint, head, lag, lock holder and worker
heartbeat of each projection and the notifier."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from projections.registry import UnknownProjection, checked, projection_names
from projections.status import projection_status


def shown(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


class Command(BaseCommand):
    help = (
        "Show each projection's checkpoint (the notifier's too), the event store head, the lag, "
        "whether a worker holds its lock (PostgreSQL; '-' on SQLite), and the worker its "
        "heartbeat names (host:pid) with the heartbeat's age. '-' (JSON null): unknown."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="projections (default: all and the notifier)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options) -> None:
        try:
            names = checked(options["names"], projection_names())
        except UnknownProjection as error:
            raise CommandError(str(error)) from None
        statuses = projection_status(names)
        if options["json"]:
            self.stdout.write(json.dumps([s.as_dict() for s in statuses], indent=2))
            return
        self.stdout.write(
            f"{'projection':<14}{'position':>10}{'head':>10}{'lag':>8}{'lag s':>9}  "
            f"{'held':<5}{'holder':<28}{'beat s ago':>10}"
        )
        for s in statuses:
            held = {True: "yes", False: "no", None: "-"}[s.held]
            self.stdout.write(
                f"{s.name:<14}{s.position:>10}{s.head:>10}{s.lag_events:>8}"
                f"{shown(s.lag_seconds, 2):>9}  {held:<5}{s.holder or '-':<28}"
                f"{shown(s.heartbeat_age_seconds, 1):>10}"
            )
