"""The projector worker: a step folds new events, a failing event stops it at that position,
the management commands catch up and report lag, and a running worker stops on SIGTERM."""

import json
import random
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from eventsourcing.persistence import IntegrityError

from command_side.catalog_commands import receive_stock
from command_side.order import Order, OrderLine
from command_side.place_order import PlaceOrder, place_order
from command_side.stock import StockItem
from events.orders import OrderPlaced
from projections.base import Touched
from projections.batches import ProjectionFailed
from projections.catch_up import catch_up
from projections.registry import select
from projections.status import projection_status
from projections.worker import ProjectionWorker
from query_side.models import OrderRow
from query_side.selectors.projection_progress import projection_position, wait_for_position
from tests.conftest import is_postgres

from .workload import (
    head,
    open_catalog,
    random_order,
    random_step,
    random_workload,
    run_projectors,
    stop,
)

pytestmark = pytest.mark.django_db

NAMES = ["catalog", "store_orders"]


@pytest.fixture
def worker() -> Iterator[ProjectionWorker]:
    worker = ProjectionWorker(select(None), batch_size=7)
    yield worker
    worker.leadership.close()  # ends the PostgreSQL session that holds the projection locks


class FailsOnThirdOrder:
    """A projector under test: folds OrderPlaced events but cannot fold the third one."""

    name = "fails_on_third_order"
    topics = frozenset({OrderPlaced.TOPIC})
    tables = ()

    def __init__(self) -> None:
        self.folded: list[int] = []

    def apply(self, events) -> Touched:
        for position, _ in events:
            if position in self.folded:
                continue
            if len(self.folded) == 2:
                raise ValueError("cannot fold this order")
            self.folded.append(position)
        return Touched()


class FailsOnBatchesOfMoreThanOne:
    """A projector under test with a bug that shows only when it folds several events at once."""

    name = "fails_on_batches"
    topics = frozenset({OrderPlaced.TOPIC})
    tables = ()

    def __init__(self) -> None:
        self.folded: list[int] = []

    def apply(self, events) -> Touched:
        if len(events) > 1:
            raise ValueError("cannot fold these together")
        self.folded.extend(position for position, _ in events)
        return Touched()


class Hung(BaseException):
    """Not an Exception, so no `except Exception` in the code under test can swallow it."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Turn a hang into a failure (SIGALRM in the main thread, where pytest runs tests)."""

    def expire(signum, frame):
        raise Hung(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def positions_of(ctx, topic: str) -> list[int]:
    notifications = ctx.app.recorder.select_notifications(start=1, limit=10**6)
    return [n.id for n in notifications if n.topic == topic]


def rolled_back_append(ctx) -> None:
    """An append that fails on a version conflict: on PostgreSQL its positions become a gap."""
    order = Order(ctx.new_id())
    order._record(OrderPlaced, ctx.clock(), store_id=1, lines=[], request_fingerprint="")
    existing_item = StockItem.open(1, 1, ctx.clock())  # version 1 exists already
    with pytest.raises(IntegrityError):
        ctx.app.save(order, existing_item)


def test_step_folds_the_events_appended_since_the_last_step(ctx, worker):
    catalog = random_workload(ctx, seed=21, steps=30)
    assert worker.step() > 0
    assert OrderRow.objects.count() == len(catalog.outcomes)
    rng = random.Random(22)
    for _ in range(15):
        random_step(ctx, rng, catalog)
    assert worker.step() > 0
    assert OrderRow.objects.count() == len(catalog.outcomes)
    assert projection_position("store_orders") == projection_position("catalog") == head(ctx)
    assert worker.step() == 0


def test_projector_that_cannot_fold_an_event_stops_at_that_exact_position(ctx):
    rng = random.Random(23)
    catalog = open_catalog(ctx, rng, stores=1, products=2)
    receive_stock(ctx, 1, 1, 5)
    for _ in range(2):
        place_order(ctx, random_order(rng, catalog))
    before_gap = head(ctx)
    rolled_back_append(ctx)
    # Rejected (too many units), so its OrderPlaced is the first event of its append.
    place_order(ctx, PlaceOrder(1, (OrderLine(1, 1000),)))
    place_order(ctx, random_order(rng, catalog))
    third = positions_of(ctx, OrderPlaced.TOPIC)[2]
    if is_postgres():  # the rolled-back append left a gap right before the failing event
        assert third > before_gap + 1
    projector = FailsOnThirdOrder()
    with pytest.raises(ProjectionFailed) as failed:
        catch_up([projector], batch_size=50)
    assert (failed.value.name, failed.value.position) == (projector.name, third)
    assert projection_position(projector.name) == before_gap
    assert projector.folded == positions_of(ctx, OrderPlaced.TOPIC)[:2]


def test_a_failure_that_only_whole_batches_show_stops_the_projector_instead_of_hanging(ctx):
    catalog = open_catalog(ctx, random.Random(32), stores=1, products=3)
    for _ in range(4):
        place_order(ctx, random_order(random.Random(33), catalog))
    projector = FailsOnBatchesOfMoreThanOne()
    with time_limit(20), pytest.raises(ProjectionFailed) as failed:
        catch_up([projector], batch_size=50)
    assert isinstance(failed.value.cause, ValueError)
    # Folded one at a time meanwhile: each event once, none skipped.
    assert projector.folded == positions_of(ctx, OrderPlaced.TOPIC)
    assert projection_position(projector.name) == head(ctx)


def test_run_projectors_once_catches_up_and_leaves_the_projections_free(ctx, worker):
    catalog = random_workload(ctx, seed=25, steps=20)
    out = StringIO()
    call_command("run_projectors", *NAMES, "--once", "--batch-size", "9", stdout=out)
    assert "caught up" in out.getvalue()
    assert OrderRow.objects.count() == len(catalog.outcomes)
    assert projection_position("catalog") == projection_position("store_orders") == head(ctx)
    # The command has returned, so another worker of this process can take the projections.
    random_step(ctx, random.Random(26), catalog)
    place_order(ctx, random_order(random.Random(27), catalog))
    assert worker.step() > 0
    assert OrderRow.objects.count() == len(catalog.outcomes) + 1


def test_projection_status_shows_the_lag_then_zero_after_catch_up(ctx):
    random_workload(ctx, seed=28, steps=10)
    behind = {s.name: s for s in projection_status()}
    assert set(behind) == {*NAMES, "notifier"}
    assert all(s.position == 0 and s.lag_events == s.head == head(ctx) for s in behind.values())
    catch_up(select(None))
    out = StringIO()
    call_command("projection_status", "--json", stdout=out)
    caught_up = {s["name"]: s for s in json.loads(out.getvalue())}
    for name in NAMES:
        assert (caught_up[name]["position"], caught_up[name]["lag_events"]) == (head(ctx), 0)
        assert caught_up[name]["lag_seconds"] == 0.0
    table = StringIO()
    call_command("projection_status", stdout=table)
    assert all(name in table.getvalue() for name in NAMES)


def held_by_name() -> dict[str, bool | None]:
    return {s.name: s.held for s in projection_status(NAMES)}


def test_projection_status_shows_which_projections_a_worker_holds(ctx, worker):
    expected_idle = False if is_postgres() else None
    assert held_by_name() == dict.fromkeys(NAMES, expected_idle)
    worker.step()
    expected_running = True if is_postgres() else None
    assert held_by_name() == dict.fromkeys(NAMES, expected_running)
    worker.leadership.close()
    assert held_by_name() == dict.fromkeys(NAMES, expected_idle)


def test_wait_for_position_is_true_once_every_projection_has_reached_it(ctx):
    random_workload(ctx, seed=29, steps=5)
    catch_up(select(None))
    assert wait_for_position(NAMES, head(ctx), timeout=0.5)
    assert wait_for_position(["store_orders"], head(ctx) - 1, timeout=0.5)


def test_wait_for_position_gives_up_after_its_timeout_when_not_reached(ctx):
    random_workload(ctx, seed=30, steps=5)
    catch_up(select(None))
    started = time.monotonic()
    assert not wait_for_position(NAMES, head(ctx) + 1, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert not wait_for_position(["no_such_projection"], 1, timeout=0.05)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_a_running_worker_promptly_with_exit_status_0(ctx, tmp_path):
    random_workload(ctx, seed=31, steps=20)
    log = tmp_path / "run_projectors.log"
    process = run_projectors(log, *NAMES)
    try:
        assert wait_for_position(NAMES, head(ctx), timeout=30), log.read_text()
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        status = process.wait(timeout=15)
        elapsed = time.monotonic() - started
    finally:
        stop(process)
    assert status == 0, log.read_text()
    assert elapsed < 3
    assert "projector worker stopped" in log.read_text()


class RecordingStopEvent(threading.Event):
    """The worker's stop event, noting how long each pause asked to sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout)
        return super().wait(timeout)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_batches_longer_only_when_an_append_is_already_waiting(ctx):
    """Idle: woken by an append, it lingers the short window (low lag). Sustained load (an
    append notified while it was folding): the longer one, so fewer, larger batches."""
    stop_event = RecordingStopEvent()
    worker = ProjectionWorker(
        select(None), stop_event=stop_event, coalesce_seconds=0.01, busy_coalesce_seconds=0.05
    )
    try:
        rng = random.Random(5)
        catalog = open_catalog(ctx, rng, stores=1, products=3)
        worker.step()  # caught up, and listening
        later = threading.Timer(0.2, lambda: place_order(ctx, random_order(rng, catalog)))
        later.start()
        worker._wait_for_appends()
        later.join()
        assert stop_event.pauses == [0.01]
        worker.step()
        place_order(ctx, random_order(rng, catalog))  # notified before the worker waits
        worker._wait_for_appends()
        assert stop_event.pauses == [0.01, 0.05]
    finally:
        worker.leadership.close()
