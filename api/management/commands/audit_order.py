"""`manage.py audit_order <order_id>`: an order's timeline from the event store."""

from __future__ import annotations

import json
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from aforro_backend.composition import command_context
from api.history_bodies import jsonable, metadata_line
from command_side.history import order_history


class Command(BaseCommand):
    help = (
        "Print every event of an order from the event store, oldest first, with positions "
        "and correlation metadata (the request that wrote it, the event that caused it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("order_id", help="the order's UUID")

    def handle(self, *args, **options) -> None:
        try:
            order_id = UUID(options["order_id"])
        except ValueError:
            raise CommandError(f"not a UUID: {options['order_id']}") from None
        entries = order_history(command_context(), order_id)
        if not entries:
            raise CommandError(f"order {order_id} has no events")
        for e in entries:
            self.stdout.write(
                f"v{e.version:<3} position {e.position:<8} {e.recorded_at.isoformat()}  "
                f"{e.type:<14} {metadata_line(e.metadata)} {json.dumps(jsonable(e.data))}"
            )
