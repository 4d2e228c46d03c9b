"""/metrics under real gunicorn (`gunicorn -c gunicorn.conf.py aforro_backend.wsgi`) with several
workers: every scrape, whichever worker answers it, reports the requests of all of them, a
worker killed with SIGKILL keeps its counts, and the private metrics directory gunicorn makes
when PROMETHEUS_MULTIPROC_DIR is unset is gone once it stops."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bench.procs import _children, free_port, get_status

from .projections.workload import subprocess_database_url
from .test_deployment import ROOT, clean_env

pytestmark = pytest.mark.integration

REQUESTS = 40
WORKERS = 3
START_TIMEOUT = 120.0  # three workers importing Django on a busy two-core machine
# django-prometheus' request counter, by view name (the URL name of /health/).
REQUEST_COUNTER = "django_http_requests_total_by_view_transport_method_total"
# gunicorn.conf.py's access line: ... "<request line>" <status> <bytes> <ms>ms <pid> request_id=<id>
ACCESS_LINE = re.compile(
    r'"GET /health/ HTTP/1\.[01]" \d+ .* <(\d+)> request_id=\S+$', re.MULTILINE
)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers_or_exited(self) -> bool:
        return get_status(self.url + "/metrics", 10) == 200 or not running(self)

    def workers(self) -> set[int]:
        return set(_children(self.process.pid))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM (gunicorn stops its workers and runs on_exit), SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: it and its workers
        self.process.wait(timeout=10)


def start_gunicorn(tmp: Path, workers: int, **settings: str) -> Server:
    """gunicorn as deployed, in its own session, logging to tmp/gunicorn.log."""
    log = tmp / "gunicorn.log"
    for _ in range(3):  # another process may take the port between the probe and the bind
        port = free_port(random.randrange(20000, 32000))
        env = clean_env(
            tmp,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS=str(workers),
            PROJECTORS_IN_PROCESS="false",
            DJANGO_SECURE_SSL_REDIRECT="false",
            TMPDIR=str(tmp),  # where gunicorn.conf.py makes a private metrics directory
        )
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(settings)
        argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "aforro_backend.wsgi"]
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        server = Server(process, port, log)
        if wait_for(server.answers_or_exited) and running(server):
            return server
        server.stop()
        if server.process.returncode == 0:  # still running at the deadline, stopped by us
            break
    pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace")[-5000:])


def running(server: Server) -> bool:
    return server.process.poll() is None


def wait_for(condition, timeout: float = START_TIMEOUT) -> bool:
    """Poll a process-level condition (a port answering, a worker restarted), not a projection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def get_health(url: str) -> None:
    assert get_status(url + "/health/", 10) is not None  # 200 or 503: counted either way


def scrape(url: str) -> list[Sample]:
    with urlopen(url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def requests_counted(url: str, view: str = "health") -> float:
    """The request counter of `view` (GET) in one scrape of /metrics."""
    labels = {"method": "GET", "transport": "http", "view": view}
    found = [s.value for s in scrape(url) if s.name == REQUEST_COUNTER and s.labels == labels]
    return found[0] if found else 0.0


def health_request_workers(server: Server) -> list[int]:
    return [int(pid) for pid in ACCESS_LINE.findall(server.log_text())]


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    """A directory of the test's own, removed with everything in it at the end."""
    with tempfile.TemporaryDirectory(prefix="aforro-test-metrics-") as tmp:
        yield Path(tmp)


@pytest.fixture
def gunicorn(private_tmp: Path, transactional_db) -> Iterator[Server]:
    """Several workers on the test database and Redis, one metrics directory for them."""
    server = start_gunicorn(
        private_tmp,
        WORKERS,
        DATABASE_URL=subprocess_database_url(),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        DJANGO_SECRET_KEY="test-only",
        EVENT_STORE_POOL_SIZE="2",
        PROMETHEUS_MULTIPROC_DIR=str(private_tmp / "metrics"),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_every_scrape_counts_the_requests_of_every_worker_and_of_a_killed_one(gunicorn):
    with ThreadPoolExecutor(8) as pool:  # concurrent, so that several workers answer
        list(pool.map(get_health, [gunicorn.url] * REQUESTS))
    # A worker writes its access-log line after the response has gone out.
    assert wait_for(lambda: len(health_request_workers(gunicorn)) == REQUESTS, 10)
    served_by = health_request_workers(gunicorn)
    assert len(set(served_by)) >= 2, "one worker answered every request: nothing to aggregate"
    assert [requests_counted(gunicorn.url) for _ in range(10)] == [REQUESTS] * 10

    killed = max(set(served_by), key=served_by.count)
    os.kill(killed, signal.SIGKILL)  # gunicorn's own worker, by its pid
    assert wait_for(lambda: killed not in gunicorn.workers() and len(gunicorn.workers()) == WORKERS)
    assert [requests_counted(gunicorn.url) for _ in range(10)] == [REQUESTS] * 10

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get_health, [gunicorn.url] * 10))
    assert [requests_counted(gunicorn.url) for _ in range(5)] == [REQUESTS + 10] * 5


@pytest.mark.postgres
def test_the_domain_metrics_are_reported_once_per_scrape_whatever_the_worker_count(gunicorn):
    for _ in range(5):
        names = [sample.name for sample in scrape(gunicorn.url)]
        assert names.count("aforro_event_store_head") == 1
        assert names.count("aforro_orders_placed_total") == 1
        assert names.count(REQUEST_COUNTER) >= 1  # the workers' files are read


def test_without_the_variable_gunicorn_uses_a_private_directory_and_removes_it(private_tmp):
    server = start_gunicorn(private_tmp, 1)
    try:
        get_health(server.url)
        [directory] = private_tmp.glob(f"aforro-metrics-{server.process.pid}-*")
        assert list(directory.glob("*.db")), "the worker writes its metrics there"
        assert requests_counted(server.url) == 1
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log_text()[-3000:]
    assert not list(private_tmp.glob("aforro-metrics-*"))
