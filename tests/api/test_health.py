"""`GET /health/`: `ok` when every dependency is up and every projection (the notifier included)
has a live worker; `degraded` (200) when the cache or a projection's worker is missing;
`unavailable` (503) when the event store is down. Real services, real workers, real heartbeats:
an unreachable Redis is a closed port, a stale worker is an old heartbeat row or a stopped one."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from aforro_backend import composition
from projections.batches import ProjectionFailed
from projections.catalog import CatalogProjector
from projections.heartbeat import Heartbeat, record
from projections.notifier import Notifier
from projections.registry import select
from projections.store_orders import StoreOrdersProjector
from projections.supervisor import SupervisedProjectors
from projections.worker import ProjectionWorker, start_in_background
from query_side.models import ProjectionHeartbeat
from tests.conftest import is_postgres
from tests.projections.workload import wait_until

from .read_fixtures import project, shop

pytestmark = [pytest.mark.api, pytest.mark.django_db]

NAMES = ["catalog", "store_orders", "notifier"]
STALE = 0.5  # seconds: PROJECTOR_STALE_SECONDS, small so going stale is quick to see


def health(api_client) -> tuple[int, dict]:
    response = api_client.get("/health/")
    return response.status_code, response.json()


def workers(body: dict) -> dict[str, str]:
    return {name: p["worker"] for name, p in body["projections"].items()}


def beat(names: list[str], seconds_ago: float = 0.0) -> None:
    record(names, "test-host:1")
    if seconds_ago:
        old = timezone.now() - timedelta(seconds=seconds_ago)
        ProjectionHeartbeat.objects.filter(name__in=names).update(seen_at=old)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nothing listens there


@contextmanager
def event_store_down(settings) -> Iterator[None]:
    """PostgreSQL: every connection of the event store's pool taken (as in
    test_database_errors.py); SQLite: an event store file that cannot be opened."""
    if is_postgres():
        settings.EVENT_STORE_POOL_SIZE, settings.EVENT_STORE_POOL_WAIT_SECONDS = 1, 1
        composition.reset()
        pool = composition.command_context().app.recorder.datastore.pool
        pool.open()
        held = [pool.getconn() for _ in range(pool.max_size)]
        try:
            yield
        finally:
            for conn in held:
                pool.putconn(conn)
            composition.reset()
    else:
        settings.EVENT_STORE_SQLITE_PATH = "/nonexistent-aforro-dir/events.sqlite3"
        composition.reset()
        try:
            yield
        finally:
            composition.reset()


def test_every_projection_and_the_notifier_live_is_ok_and_each_is_listed_from_position_0(
    api_client, ctx, settings
):
    settings.PROJECTOR_STALE_SECONDS = STALE
    shop(ctx, 1)
    project()  # the read models catch up; the notifier has no checkpoint yet
    beat(NAMES)
    status, body = health(api_client)
    assert status == 200
    assert body["status"] == "ok"
    assert (body["database"], body["cache"], body["event_store"]) == ("ok", "ok", "ok")
    head = body["projections"]["catalog"]["head"]
    assert head > 0
    assert body["projections"] == {
        "catalog": {"position": head, "head": head, "lag": 0, "worker": "ok"},
        "store_orders": {"position": head, "head": head, "lag": 0, "worker": "ok"},
        "notifier": {"position": 0, "head": head, "lag": head, "worker": "ok"},
    }


@pytest.mark.parametrize("stale", ["catalog", "notifier"])
def test_a_projection_whose_heartbeat_is_older_than_the_stale_time_is_degraded_200(
    api_client, ctx, settings, stale
):
    settings.PROJECTOR_STALE_SECONDS = STALE
    beat(NAMES)
    beat([stale], seconds_ago=STALE + 1)
    status, body = health(api_client)
    assert (status, body["status"]) == (200, "degraded")
    assert workers(body) == {name: "missing" if name == stale else "ok" for name in NAMES}
    assert (body["database"], body["cache"], body["event_store"]) == ("ok", "ok", "ok")


def test_a_projection_no_worker_ever_ran_is_listed_missing_and_degraded(api_client, ctx):
    status, body = health(api_client)
    assert (status, body["status"]) == (200, "degraded")
    assert workers(body) == dict.fromkeys(NAMES, "missing")
    assert all(p["position"] == 0 for p in body["projections"].values())


def test_an_unreachable_cache_is_degraded_200_not_an_outage(api_client, ctx, settings):
    settings.PROJECTOR_STALE_SECONDS = 60
    beat(NAMES)
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    with override_settings(CACHES=unreachable):
        status, body = health(api_client)
    assert (status, body["status"], body["cache"]) == (200, "degraded", "unavailable")
    assert (body["database"], body["event_store"]) == ("ok", "ok")
    assert workers(body) == dict.fromkeys(NAMES, "ok")
    assert health(api_client)[1]["status"] == "ok"  # the real cache again


def test_an_event_store_that_cannot_be_reached_is_unavailable_503(api_client, ctx, settings):
    beat(NAMES)
    with event_store_down(settings):
        status, body = health(api_client)
    assert (status, body["status"]) == (503, "unavailable")
    assert (body["database"], body["event_store"]) == ("ok", "unavailable")
    assert body["projections"] == {}


@contextmanager
def live_worker() -> Iterator[ProjectionWorker]:
    """A real worker of every projection and the notifier in a thread, stopped on leaving."""
    worker = ProjectionWorker(
        select(None),
        notifier=Notifier(lambda order_id: None),
        heartbeat=Heartbeat(interval=0.05),
        poll_interval=0.05,
    )
    thread = start_in_background(worker)
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()


def status_is(api_client, expected: str, timeout: float = 30) -> bool:
    return wait_until(lambda: health(api_client)[1]["status"] == expected, timeout, 0.05)


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_turns_health_degraded_and_a_new_one_brings_it_back_to_ok(
    api_client, ctx, settings
):
    settings.PROJECTOR_STALE_SECONDS = STALE
    with live_worker():
        assert status_is(api_client, "ok")
    assert status_is(api_client, "degraded")
    assert workers(health(api_client)[1]) == dict.fromkeys(NAMES, "missing")
    with live_worker():
        assert status_is(api_client, "ok")


class CatalogThatCannotFold(CatalogProjector):
    """The catalog projector with a bug: it cannot fold any event."""

    def apply(self, events):
        raise ValueError("cannot fold this event")


@pytest.mark.django_db(transaction=True)
def test_an_embedded_projector_thread_whose_loop_raises_is_logged_restarted_and_ok_again(
    api_client, ctx, settings, caplog
):
    settings.PROJECTOR_STALE_SECONDS = STALE
    shop(ctx, 1)  # an event for the broken catalog projector to fail on
    built = []

    def make_worker(stop_event: threading.Event) -> ProjectionWorker:
        catalog = CatalogThatCannotFold() if not built else CatalogProjector()
        built.append(catalog)
        return ProjectionWorker(
            [catalog, StoreOrdersProjector()],
            notifier=Notifier(lambda order_id: None),
            heartbeat=Heartbeat(interval=0.05),
            poll_interval=0.05,
            stop_event=stop_event,
        )

    # A backoff longer than the stale time: health shows the gap before the restart.
    supervisor = SupervisedProjectors(make_worker, first_backoff=3 * STALE)
    supervisor.start()
    try:
        assert wait_until(lambda: failures(caplog), 30)
        assert status_is(api_client, "degraded")
        assert status_is(api_client, "ok")
        assert supervisor.restarts == 1
    finally:
        supervisor.stop(timeout=30)
    assert not supervisor.thread.is_alive()
    (failure,) = failures(caplog)
    assert isinstance(failure.exc_info[1], ProjectionFailed)  # logged with its traceback
    assert failure.exc_info[2] is not None


def failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "projector thread failed"]
