"""The worker's heartbeat: a running worker keeps every projection it holds live (the notifier
included, idle or not), the projections go stale once it stops, a standby records nothing, and a
replay holding the checkpoint lock never holds up a beat (docs/decisions/011)."""

from datetime import datetime

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.config import event_store_config, postgres_conninfo
from projections.catch_up import catch_up
from projections.heartbeat import Heartbeat
from projections.notifier import Notifier
from projections.registry import select
from projections.worker import ProjectionWorker, start_in_background
from query_side.models import ProjectionHeartbeat
from query_side.selectors.projection_progress import live_projections

from .workload import random_workload, wait_until

pytestmark = pytest.mark.django_db

NAMES = ["catalog", "store_orders"]
WITH_NOTIFIER = [*NAMES, "notifier"]
STALE = 0.3  # seconds: tiny, so going stale is quick to see


def seen_at(names: list[str]) -> dict[str, datetime]:
    return dict(ProjectionHeartbeat.objects.filter(name__in=names).values_list("name", "seen_at"))


def holders() -> dict[str, str]:
    return dict(ProjectionHeartbeat.objects.values_list("name", "holder"))


def worker_with(heartbeat: Heartbeat, **options) -> ProjectionWorker:
    return ProjectionWorker(select(None), heartbeat=heartbeat, **options)


def beaten_past(first: dict[str, datetime], seconds: float) -> bool:
    latest = seen_at(list(first))
    return all((latest[name] - first[name]).total_seconds() > seconds for name in first)


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_keeps_its_projections_live_and_they_go_stale_once_it_stops(ctx, settings):
    settings.PROJECTOR_STALE_SECONDS = STALE
    notifier = Notifier(lambda order_id: None)
    worker = worker_with(Heartbeat(interval=0.01), poll_interval=0.01, notifier=notifier)
    thread = start_in_background(worker)
    try:
        assert wait_until(lambda: live_projections(WITH_NOTIFIER) == set(WITH_NOTIFIER), 30)
        first = seen_at(WITH_NOTIFIER)
        # Idle (no appends), it keeps beating: live for longer than the stale window.
        assert wait_until(lambda: beaten_past(first, STALE), 30)
        assert live_projections(WITH_NOTIFIER) == set(WITH_NOTIFIER)
    finally:
        worker.stop()
        thread.join(timeout=30)
    last = seen_at(WITH_NOTIFIER)
    assert wait_until(lambda: not live_projections(WITH_NOTIFIER), 30)
    assert seen_at(WITH_NOTIFIER) == last  # nothing beat after the stop


def test_a_heartbeat_writes_at_most_once_per_interval_unless_the_worker_took_a_projection(ctx):
    heartbeat = Heartbeat(interval=3600, holder="worker-a")
    with CaptureQueriesContext(connection) as writes:
        heartbeat.beat(["catalog"])
        heartbeat.beat(["catalog"])
        heartbeat.beat([])
        heartbeat.beat(["catalog", "store_orders"])  # taken over: recorded at once
        heartbeat.beat(["store_orders"])
    assert len(writes) == 2
    assert holders() == {"catalog": "worker-a", "store_orders": "worker-a"}
    assert live_projections(NAMES) == set(NAMES)


def test_a_projection_no_worker_has_run_is_not_live(ctx):
    assert live_projections(NAMES) == set()
    Heartbeat(holder="worker-a").beat(["catalog"])
    assert live_projections(NAMES) == {"catalog"}


@pytest.mark.postgres
def test_a_standby_worker_records_no_heartbeat(ctx):
    random_workload(ctx, seed=71, steps=5)
    active = worker_with(Heartbeat(holder="active"))
    standby = worker_with(Heartbeat(holder="standby"))
    try:
        active.step()
        standby.step()  # holds no projection lock, so it runs and records nothing
    finally:
        active.leadership.close()
        standby.leadership.close()
    assert holders() == dict.fromkeys(NAMES, "active")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_is_not_held_up_by_a_replay_holding_the_checkpoint_lock(ctx):
    random_workload(ctx, seed=72, steps=5)
    catch_up(select(None))
    with psycopg.connect(postgres_conninfo(event_store_config())) as replay:
        # What a rebuild's transaction holds for as long as it runs (projections/replay.py).
        replay.execute(
            "SELECT name FROM read_projection_checkpoint WHERE name = ANY(%s) FOR UPDATE", [NAMES]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # fail, not hang, if the beat waited
        try:
            Heartbeat(holder="live-worker").beat(NAMES)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        replay.rollback()
    assert live_projections(NAMES) == set(NAMES)
