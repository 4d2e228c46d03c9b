"""Reads from a real streaming replica (tests/replication.py: a private primary and replica):
gunicorn with DATABASE_REPLICA_URLS serves the read endpoints from the replica and takes writes
on the primary; `min_position` waits for the replica's own checkpoint; the cache never keeps a
page a lagging replica built; a stopped or lagging replica leaves the rotation (reads go to the
primary) and comes back; /health/ and /metrics show it.

Pausing the replica's replay (`pg_wal_replay_pause()`) makes it deterministically behind the
primary: what a read answers then says which server it came from.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.drill_partition import cluster_pids, signal_all
from bench.drill_services import SEED
from bench.procs import Background, Gunicorn, clean_env, free_port, run_command

from .replication import PORTS, Replication, replication

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

DEADLINE_SECONDS = 5.0  # DB_DEADLINE_SECONDS, the default
MIN_POSITION_WAIT_SECONDS = 2.0  # the default: a wait on the replica, then one on the primary
WAIT = 20.0  # seconds any condition of these tests may take on a busy two-core machine


@dataclass
class Service:
    pair: Replication
    env: dict[str, str]
    web: Gunicorn

    def url(self, path: str) -> str:
        return self.web.url + path


def settings_env(pair: Replication, tmp: str, **extra: str) -> dict[str, str]:
    return clean_env(
        {
            "DATABASE_URL": pair.primary_url,
            "DATABASE_REPLICA_URLS": pair.replica_url,
            # The paused replica stays in rotation (its lag grows a second per second) unless
            # a test says otherwise.
            "REPLICA_MAX_LAG_SECONDS": "3600",
            "MIN_POSITION_WAIT_SECONDS": str(MIN_POSITION_WAIT_SECONDS),
            "REDIS_URL": os.environ["REDIS_URL"],
            "DJANGO_SECRET_KEY": "test-only-" + "x" * 40,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PROJECTORS_IN_PROCESS": "false",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "ORDERS_RATE": "1000000/min",
            "EVENT_STORE_POOL_SIZE": "2",
            "AFORRO_VAR_DIR": tmp,
            **extra,
        }
    )


def web_server(env: dict[str, str], name: str) -> Gunicorn:
    first = int(PORTS.split("-")[0])
    server = Gunicorn(
        f"test-replica-{name}", "aforro_backend.wsgi", free_port(first + 50), env, "/health/"
    )
    server.start(timeout=120)
    return server


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    tmp = str(tmp_path_factory.mktemp("replica-service"))
    base = {"DJANGO_SECRET_KEY": "test-only-" + "x" * 40, "AFORRO_VAR_DIR": tmp}
    with replication(base) as pair:
        env = settings_env(pair, tmp)
        run_command([sys.executable, "manage.py", *SEED], env)
        # The seed folded into the read tables, and those replayed, before any test pauses it.
        run_command([sys.executable, "manage.py", "run_projectors", "--once"], env)
        pair.wait_caught_up()
        projector = Background(
            "test-replica-projector", [sys.executable, "manage.py", "run_projectors"], env
        )
        projector.start()
        web = None
        try:
            web = web_server(env, "web")
            yield Service(pair, env, web)
        finally:
            for process in (web, projector):
                if process is not None:
                    process.stop(timeout=15)


# --- HTTP and waiting ---


def call(url: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def place_order(service: Service, store_id: int = 1) -> dict:
    body = {"store_id": store_id, "items": [{"product_id": 1, "quantity_requested": 1}]}
    status, order = call(service.url("/orders/"), body)
    assert status == 201, order
    return order


def until(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def projected_on_primary(service: Service, position: int) -> None:
    """Until both projections have folded `position` on the primary."""
    sql = (
        "SELECT count(*) FROM read_projection_checkpoint"
        " WHERE position >= %s AND name IN ('catalog', 'store_orders')"
    )
    until(lambda: service.pair.on_primary(sql, (position,))[0][0] == 2, f"primary at {position}")


def listed_ids(service: Service, query: str = "") -> set[str]:
    status, page = call(service.url(f"/stores/1/orders/?page_size=100{query}"))
    assert status == 200, page
    return {row["id"] for row in page["results"]}


def health(service: Service) -> dict:
    status, body = call(service.url("/health/"))
    assert status == 200, body
    return body


def replica_gauges(service: Service) -> dict[str, float]:
    with urllib.request.urlopen(service.url("/metrics"), timeout=30) as response:
        text = response.read().decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("aforro_replica_") and sample.labels == {"replica": "replica_1"}
    }


def out_of_rotation_everywhere(service: Service) -> bool:
    """Each worker's prober decides on its own: several health answers in a row agree."""
    return all(not health(service)["replicas"][0]["in_rotation"] for _ in range(6))


@pytest.fixture
def paused(service: Service) -> Iterator[Replication]:
    """The replica with its replay paused for the test; resumed and caught up afterwards."""
    service.pair.pause_replay()
    try:
        yield service.pair
    finally:
        service.pair.resume_replay()
        service.pair.wait_caught_up()


# --- where reads and writes go ---


def test_the_read_endpoints_read_the_replica_and_orders_are_written_on_the_primary(service, paused):
    order = place_order(service)  # taken although the replica is frozen in time
    projected_on_primary(service, order["position"])
    on_primary = service.pair.on_primary(
        "SELECT count(*) FROM read_order WHERE order_id = %s", (order["id"],)
    )
    assert on_primary == [(1,)]
    for _ in range(4):  # both gunicorn workers, every one of their turns
        assert call(service.url(f"/orders/{order['id']}/"))[0] == 404
        assert order["id"] not in listed_ids(service)
    paused.resume_replay()
    paused.wait_caught_up()
    status, detail = call(service.url(f"/orders/{order['id']}/"))
    assert (status, detail["id"]) == (200, order["id"])
    assert order["id"] in listed_ids(service)


def product_one(service: Service) -> tuple[str, int]:
    """Product 1's title and store 1's quantity of it, as the search endpoint answers."""
    status, page = call(service.url("/stores/1/inventory/?page_size=500"))
    assert status == 200, page
    title = next(row["product_title"] for row in page["results"] if row["product_id"] == 1)
    status, found = call(service.url(f"/api/search/products/?q={title.split()[0]}&store_id=1"))
    assert status == 200, found
    hit = next(hit for hit in found["results"] if hit["id"] == 1)
    return title, hit["store_quantity"]


def test_search_and_suggest_answer_from_the_replica(service, paused):
    title, before = product_one(service)
    order = place_order(service)  # one unit of product 1 from store 1
    projected_on_primary(service, order["position"])
    assert product_one(service) == (title, before)  # the paused replica's quantity
    query = f"/api/search/suggest/?q={title[:4]}&min_position={order['position']}"
    started = time.monotonic()
    status, suggested = call(service.url(query))
    # It waited the whole MIN_POSITION_WAIT_SECONDS on the replica's checkpoint, which never got
    # there, although the primary's had; then the primary answered it.
    assert time.monotonic() - started >= MIN_POSITION_WAIT_SECONDS
    assert status == 200 and title in suggested["suggestions"], suggested
    paused.resume_replay()
    paused.wait_caught_up()
    assert product_one(service) == (title, before - 1)
    status, suggested = call(service.url(query))
    assert status == 200 and title in suggested["suggestions"], suggested


# --- read-your-writes through replication ---


def test_a_read_with_min_position_waits_for_the_replica_and_never_answers_the_old_page(
    service, paused
):
    order = place_order(service)
    projected_on_primary(service, order["position"])
    answers: dict[str, tuple[int, dict]] = {}

    def read(name: str, path: str) -> None:
        answers[name] = call(service.url(path))

    readers = [
        threading.Thread(
            target=read, args=("detail", f"/orders/{order['id']}/?min_position={order['position']}")
        ),
        threading.Thread(
            target=read,
            args=("listing", f"/stores/1/orders/?page_size=100&min_position={order['position']}"),
        ),
    ]
    for reader in readers:
        reader.start()
    time.sleep(1.0)  # the readers' requests are in: they must be waiting, not answered
    assert answers == {}, "answered while the replica had not replayed the write"
    paused.resume_replay()
    for reader in readers:
        reader.join(WAIT)
    status, detail = answers["detail"]
    assert (status, detail["id"]) == (200, order["id"])
    status, listing = answers["listing"]
    assert status == 200 and order["id"] in {row["id"] for row in listing["results"]}


def test_the_cache_never_keeps_a_page_that_a_lagging_replica_built(service, paused):
    listed_ids(service)  # cached from the replica, at its current position
    order = place_order(service)
    projected_on_primary(service, order["position"])  # the projector bumped the listing's stamp
    assert order["id"] not in listed_ids(service)  # built from the paused replica: not kept
    paused.resume_replay()
    paused.wait_caught_up()
    assert order["id"] in listed_ids(service)
    # And a page cached at a position below min_position is never served for it.
    assert order["id"] in listed_ids(service, f"&min_position={order['position']}")


STAFF_TOKEN = "replica-tests-staff-" + "0" * 20  # 40 characters, as DRF's tokens
MAKE_STAFF = (
    "from django.contrib.auth.models import User; from rest_framework.authtoken.models import "
    "Token; Token.objects.get_or_create(key='{token}', "
    "user=User.objects.get_or_create(username='staff', is_staff=True)[0])"
)


def catalog_on_primary(service: Service, position: int) -> None:
    sql = "SELECT position >= %s FROM read_projection_checkpoint WHERE name = 'catalog'"
    until(lambda: service.pair.on_primary(sql, (position,)) == [(True,)], f"catalog at {position}")


def test_a_suggestion_a_lagging_replica_built_is_not_kept(service, paused):
    command = MAKE_STAFF.format(token=STAFF_TOKEN)
    run_command([sys.executable, "manage.py", "shell", "-c", command], service.env)
    product = {"title": "Zanzibar cloves", "description": "Whole", "price": "3.10"}
    status, registered = call(
        service.url("/products/"), {**product, "category": "Spices"}, STAFF_TOKEN
    )
    assert status == 201, registered
    catalog_on_primary(service, registered["position"])
    query = service.url("/api/search/suggest/?q=zanzib")
    status, before = call(query)  # built from the paused replica, before the product
    assert status == 200 and before["suggestions"] == [], before
    paused.resume_replay()
    paused.wait_caught_up()
    # The answer above was built below the primary's checkpoint, after the projector had
    # bumped the catalog's stamp: stored, it would answer every plain read until the next bump.
    status, after = call(query)
    assert status == 200 and after["suggestions"] == ["Zanzibar cloves"], after
    status, after = call(f"{query}&min_position={registered['position']}")
    assert status == 200 and after["suggestions"] == ["Zanzibar cloves"], after


# --- rotation ---


def test_a_stopped_replica_leaves_the_rotation_and_comes_back_after_a_restart(service):
    pair = service.pair
    pair.replica.stop()
    try:
        order = place_order(service)
        projected_on_primary(service, order["position"])
        # From the moment it stopped: every read answers, from the primary (a failed read is
        # retried there), whether or not the prober has noticed yet.
        for _ in range(6):
            status, detail = call(service.url(f"/orders/{order['id']}/"))
            assert (status, detail.get("id")) == (200, order["id"])
        body = until(lambda: (b := health(service))["status"] == "degraded" and b, "degraded")
        (replica,) = body["replicas"]
        assert replica["alias"] == "replica_1" and not replica["in_rotation"]
        assert replica["error"] and replica["lag_seconds"] is None
        until(lambda: replica_gauges(service).get("aforro_replica_in_rotation") == 0, "gauge 0")
    finally:
        pair.replica.start()
    until(lambda: replica_gauges(service).get("aforro_replica_in_rotation") == 1, "back: gauge 1")
    assert health(service)["status"] == "ok"
    pair.wait_caught_up()
    pair.pause_replay()  # back in rotation means served by it again: it shows the old state
    try:
        order = place_order(service)
        projected_on_primary(service, order["position"])
        for _ in range(4):
            assert call(service.url(f"/orders/{order['id']}/"))[0] == 404
    finally:
        pair.resume_replay()
        pair.wait_caught_up()


def test_a_replica_lagging_past_the_bound_leaves_the_rotation_until_it_catches_up(
    service, paused, tmp_path
):
    strict = web_server(
        settings_env(service.pair, str(tmp_path), REPLICA_MAX_LAG_SECONDS="1"), "strict"
    )
    try:
        strict_service = Service(service.pair, service.env, strict)
        order = place_order(service)
        projected_on_primary(service, order["position"])
        body = until(lambda: (b := health(strict_service))["status"] == "degraded" and b, "out")
        (replica,) = body["replicas"]
        assert not replica["in_rotation"] and replica["lag_seconds"] > 1
        assert "over 1 s" in replica["error"]
        # Out of rotation: the primary answers, so the new order is there without min_position.
        detail = strict_service.url(f"/orders/{order['id']}/")
        # Each worker's prober takes it out on its own, within a second of the other.
        until(lambda: all(call(detail)[0] == 200 for _ in range(6)), "every worker: primary")
        paused.resume_replay()
        paused.wait_caught_up()
        until(lambda: health(strict_service)["status"] == "ok", "back in rotation")
    finally:
        strict.stop(timeout=15)


def test_a_frozen_replica_never_holds_a_read_past_the_deadline_and_leaves_the_rotation(service):
    order = place_order(service)
    projected_on_primary(service, order["position"])
    service.pair.wait_caught_up()
    detail = service.url(f"/orders/{order['id']}/")  # never cached: every read reaches a database
    for _ in range(4):  # every worker opens its connection to the replica
        assert call(detail)[0] == 200
    frozen = cluster_pids(service.pair.replica)
    signal_all(frozen, signal.SIGSTOP)  # a partition: nothing refused, nothing answered
    try:
        for _ in range(4):
            started = time.monotonic()
            status, _ = call(detail)
            took = time.monotonic() - started
            assert status in (200, 503) and took < DEADLINE_SECONDS + 1.5, (status, took)
        until(lambda: out_of_rotation_everywhere(service), "frozen: out on every worker")
        until(lambda: replica_gauges(service).get("aforro_replica_in_rotation") == 0, "gauge 0")
        for _ in range(4):  # out of rotation on every worker: the primary answers at once
            started = time.monotonic()
            assert call(detail)[0] == 200
            assert time.monotonic() - started < 1.0
    finally:
        signal_all(frozen, signal.SIGCONT)
    until(lambda: replica_gauges(service).get("aforro_replica_in_rotation") == 1, "thawed: in")


# --- health and metrics ---


def test_health_and_metrics_show_the_replicas_lag_and_rotation(service, paused):
    body = health(service)
    (replica,) = body["replicas"]
    assert replica["alias"] == "replica_1" and replica["in_rotation"], replica
    assert replica["error"] is None and 0 <= replica["lag_seconds"] < 1.5, replica
    assert body["status"] == "ok"
    order = place_order(service)
    projected_on_primary(service, order["position"])
    lagging = until(
        lambda: (r := health(service)["replicas"][0])["lag_seconds"] >= 1.5 and r, "lag"
    )
    assert lagging["in_rotation"]  # within REPLICA_MAX_LAG_SECONDS (3600 here)
    gauges = until(
        lambda: (g := replica_gauges(service)).get("aforro_replica_lag_seconds", 0) >= 1.5 and g,
        "lag gauge",
    )
    assert gauges["aforro_replica_in_rotation"] == 1
    paused.resume_replay()
    paused.wait_caught_up()
    until(lambda: replica_gauges(service)["aforro_replica_lag_seconds"] < 1.5, "lag gauge back")
