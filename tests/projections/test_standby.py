"""Hot standby: of two `run_projectors` workers only one holds the projections; when it is
killed the other takes over from the checkpoint, and no event is folded twice."""

import random

import pytest
from django.db import connection

from command_side.place_order import place_order
from events.config import event_store_reader
from projections.leadership import projection_lock_key
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from projections.status import projection_status
from query_side.models import OrderLineRow, OrderRow
from query_side.selectors.projection_progress import wait_for_position

from .workload import (
    head,
    random_order,
    random_workload,
    run_projectors,
    snapshot_read_tables,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NAMES = ["catalog", "store_orders"]


def holders(name: str) -> list[str]:
    """application_name of every session of this database holding the projection's lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
            [projection_lock_key(name)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def held_only_by(app_name: str) -> bool:
    return all(holders(name) == [app_name] for name in NAMES)


def has_session(app_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [app_name],
        )
        return cursor.fetchone()[0] > 0


def place_orders(ctx, catalog, rng: random.Random, count: int) -> None:
    for _ in range(count):
        catalog.outcomes.append(place_order(ctx, random_order(rng, catalog)))


def test_standby_takes_over_from_the_checkpoint_when_the_active_worker_is_killed(ctx, tmp_path):
    catalog = random_workload(ctx, seed=61, steps=40)
    rng = random.Random(62)
    args = (*NAMES, "--batch-size", "7", "--poll-interval", "0.2")
    active = run_projectors(tmp_path / "a.log", *args, app_name="projector-a")
    standby = None
    try:
        assert wait_until(lambda: held_only_by("projector-a"), timeout=30)
        assert wait_for_position(NAMES, head(ctx), timeout=30)
        standby = run_projectors(tmp_path / "b.log", *args, app_name="projector-b")
        assert wait_until(lambda: has_session("projector-b"), timeout=30)
        place_orders(ctx, catalog, rng, 20)
        assert wait_for_position(NAMES, head(ctx), timeout=30)
        assert held_only_by("projector-a")
        assert all(status.held for status in projection_status(NAMES))

        active.kill()
        active.wait(timeout=10)
        place_orders(ctx, catalog, rng, 30)
        assert wait_until(lambda: held_only_by("projector-b"), timeout=30)
        assert wait_for_position(NAMES, head(ctx), timeout=30), (tmp_path / "b.log").read_text()
        assert standby.poll() is None
    finally:
        stop(active)
        if standby is not None:
            stop(standby)
    assert OrderRow.objects.count() == len(catalog.outcomes)
    assert OrderLineRow.objects.count() == sum(len(o.order.lines) for o in catalog.outcomes)
    live = snapshot_read_tables()
    source = EventSource(event_store_reader())
    for projector in select(NAMES):
        rebuild(projector, source, 500, lambda processed: None)
    assert snapshot_read_tables() == live
