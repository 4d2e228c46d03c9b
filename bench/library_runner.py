"""The library's default way to project, for comparison: eventsourcing's ProjectionRunner with a
Projection whose view (a PostgresTrackingRecorder) upserts one inventory row and records the
tracking position in one transaction per event. It folds the same stock events as our catalog
projector's inventory part, into a table of its own."""

from __future__ import annotations

import threading
import time

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from events.stock import StockItemOpened, StockItemReserved, StockReceived
from events.store import EventStoreApplication

TABLE = "bench_library_inventory"


class InventoryView(PostgresTrackingRecorder):
    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (store_id int, product_id int, "
                "quantity int, PRIMARY KEY (store_id, product_id))"
            )

    def set_quantity(self, store_id: int, product_id: int, quantity: int, tracking: Tracking):
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {TABLE} VALUES (%s, %s, %s) ON CONFLICT (store_id, product_id) "
                "DO UPDATE SET quantity = EXCLUDED.quantity",
                (store_id, product_id, quantity),
                prepare=True,
            )
            self._insert_tracking(curs, tracking)


class InventoryProjection(Projection[InventoryView]):
    name = "bench_library_inventory"
    topics = (StockItemOpened.TOPIC, StockReceived.TOPIC, StockItemReserved.TOPIC)
    processed = 0

    def process_event(self, domain_event, tracking: Tracking) -> None:
        quantity = getattr(domain_event, "quantity_after", 0)
        self.view.set_quantity(domain_event.store_id, domain_event.product_id, quantity, tracking)
        type(self).processed += 1


def library_rate(env: dict[str, str], seconds: float) -> tuple[int, float]:
    """Events the library's runner projects in `seconds` (stopped then): (count, elapsed)."""
    InventoryProjection.processed = 0
    started = time.perf_counter()
    stop = threading.Event()
    with ProjectionRunner(
        application_class=EventStoreApplication,
        projection_class=InventoryProjection,
        view_class=InventoryView,
        env=env,
    ):
        stop.wait(seconds)
        count, elapsed = InventoryProjection.processed, time.perf_counter() - started
    return count, elapsed
