"""Crash safety: `run_projectors` killed with SIGKILL at random moments while orders keep
arriving, restarted each time, ends with read tables equal to a rebuild from the event store
(nothing lost, nothing folded twice) and checkpoints at the event store head."""

import random
import threading
import time

import pytest

from events.config import event_store_reader
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from query_side.models import OrderLineRow, OrderRow, ProjectionCheckpoint
from query_side.selectors.projection_progress import projection_position

from .workload import (
    Catalog,
    head,
    open_catalog,
    random_step,
    run_projectors,
    snapshot_read_tables,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NAMES = ["catalog", "store_orders"]
KILLS = 10
PAUSE = 0.01  # between commands: steady traffic that leaves the projector CPU to keep up


class Writer(threading.Thread):
    """Places random orders (and some stock receipts) until told to stop."""

    def __init__(self, ctx, catalog: Catalog, seed: int) -> None:
        super().__init__(name="writer")
        self.ctx, self.catalog, self.rng = ctx, catalog, random.Random(seed)
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.wait(PAUSE):
                random_step(self.ctx, self.rng, self.catalog)
        except BaseException as error:
            self.error = error
        finally:
            self.ctx.locks.close()


def progressed_since(position: int, process) -> bool:
    return projection_position("store_orders") > position or process.poll() is not None


def test_sigkill_at_random_moments_neither_loses_nor_doubles_an_event(ctx, tmp_path):
    rng = random.Random(51)
    catalog = open_catalog(ctx, rng, stores=3, products=10)
    log = tmp_path / "run_projectors.log"
    writer = Writer(ctx, catalog, seed=52)
    writer.start()
    process = None
    try:
        for _ in range(KILLS):
            process = run_projectors(log, *NAMES, "--batch-size", "5", "--poll-interval", "0.05")
            before = projection_position("store_orders")
            assert wait_until(lambda: progressed_since(before, process), timeout=30)  # noqa: B023
            time.sleep(rng.uniform(0, 0.25))  # a random moment inside the work, not a wait
            assert process.poll() is None, log.read_text()[-3000:]
            process.kill()
            process.wait(timeout=10)
    finally:
        writer.halt.set()
        writer.join(timeout=30)
        if process is not None:
            stop(process)
    assert writer.error is None
    finisher = run_projectors(log, *NAMES, "--once")
    try:
        assert finisher.wait(timeout=120) == 0, log.read_text()[-3000:]
    finally:
        stop(finisher)

    positions = dict(
        ProjectionCheckpoint.objects.filter(name__in=NAMES).values_list("name", "position")
    )
    assert positions == dict.fromkeys(NAMES, head(ctx))
    assert OrderRow.objects.count() == len(catalog.outcomes)
    assert OrderLineRow.objects.count() == sum(len(o.order.lines) for o in catalog.outcomes)
    live = snapshot_read_tables()
    source = EventSource(event_store_reader())
    for projector in select(NAMES):
        rebuild(projector, source, 1000, lambda processed: None)
    assert snapshot_read_tables() == live
