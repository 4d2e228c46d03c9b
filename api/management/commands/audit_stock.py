"""`manage.py audit_stock <store_id> <product_id>`: stock movements with the running quantity,
checked against the inventory read table (exit 1 and say where they differ)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from aforro_backend.composition import command_context
from api.history_bodies import metadata_line, movement_body
from command_side.context import CommandContext
from command_side.history import HistoryEntry, stock_history
from query_side.models import InventoryRow
from query_side.selectors.projection_progress import projection_position

BATCH = 1000  # movements read per query: memory stays flat however long the item's history


def movements(
    ctx: CommandContext, store_id: int, product_id: int, count: int
) -> Iterator[HistoryEntry]:
    """Movements 1..count, oldest first, read BATCH at a time."""
    for offset in range(0, count, BATCH):
        yield from stock_history(ctx, store_id, product_id, offset, BATCH)[1]


class Command(BaseCommand):
    help = (
        "Print the stock movements of one store's product from the event store with the running "
        "quantity, and verify it against the inventory read table (exit 1 when they differ)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("store_id", type=int)
        parser.add_argument("product_id", type=int)

    def handle(self, *args, **options) -> None:
        store_id, product_id = options["store_id"], options["product_id"]
        ctx = command_context()
        count, _ = stock_history(ctx, store_id, product_id, 0, 0)
        if count == 0:
            raise CommandError(f"store {store_id} has never stocked product {product_id}")
        running = last_position = 0
        for entry in movements(ctx, store_id, product_id, count):
            movement = movement_body(entry)
            running += movement["quantity_change"]
            if running != movement["quantity_after"]:
                self._fail(
                    f"v{entry.version}: running {running} != recorded {movement['quantity_after']}"
                )
            self.stdout.write(
                f"v{entry.version:<5} position {entry.position:<8} {entry.type:<18} "
                f"{movement['quantity_change']:>+8} = {running:<8} "
                f"{metadata_line(entry.metadata)} {movement['order_id'] or ''}"
            )
            last_position = entry.position or 0
        self._compare_with_read_table(store_id, product_id, running, last_position)

    def _compare_with_read_table(self, store_id, product_id, running, last_position) -> None:
        row = InventoryRow.objects.filter(store_id=store_id, product_id=product_id).first()
        projected = projection_position("catalog")
        if projected < last_position:
            self._fail(
                f"the inventory projection is at position {projected}, behind this item's "
                f"last movement at {last_position}: run the projectors and audit again"
            )
        if row is None or row.quantity != running:
            found = "no row" if row is None else f"quantity {row.quantity}"
            self._fail(f"inventory read table has {found}; the event store says {running}")
        self.stdout.write(
            self.style.SUCCESS(f"OK: event store and inventory read table agree on {running}")
        )

    def _fail(self, message: str) -> None:
        self.stderr.write(f"MISMATCH: {message}")
        sys.exit(1)
