"""The HTTP edge as deployed (`gunicorn -c gunicorn.conf.py aforro_backend.wsgi`): a request
line or header of any length gets a problem+json 4xx, from Django's middleware up to gunicorn's
line limit and from the project's gunicorn worker past it, never gunicorn's HTML page."""

from __future__ import annotations

import http.client
import json
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.request_limits import MAX_REQUEST_TARGET
from bench.procs import free_port, get_status

from .test_deployment import ROOT, clean_env

pytestmark = pytest.mark.integration

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


@pytest.fixture(scope="module", params=[1, 2], ids=["sync", "gthread"])
def gunicorn_port(request, tmp_path_factory) -> Iterator[int]:
    """One gunicorn worker of each supported class in the embedded mode: every request here is
    refused before a view."""
    tmp = tmp_path_factory.mktemp("edge")
    for _ in range(3):  # another process may take the port between the probe and the bind
        port = free_port(random.randrange(20000, 32000))
        server = start_gunicorn(tmp, port, request.param)
        if server is not None:
            break
    else:
        pytest.fail("gunicorn did not start: " + (tmp / "gunicorn.log").read_text()[-2000:])
    yield port
    server.terminate()  # our own child, by its handle
    server.wait(10)


def start_gunicorn(tmp: Path, port: int, threads: int) -> subprocess.Popen | None:
    env = clean_env(
        tmp,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS=str(threads),
        PROJECTORS_IN_PROCESS="false",
    )
    argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "aforro_backend.wsgi"]
    log = (tmp / "gunicorn.log").open("ab")
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        if get_status(f"http://127.0.0.1:{port}/health/", timeout=2) is not None:
            return server
        time.sleep(0.2)  # waiting for a process to listen, not for a projection
    server.kill()
    server.wait(10)
    return None


def exchange(port: int, head: str) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request head; the answer's status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        return answer.status, headers, answer.read()


def get(port: int, target: str, *headers: str) -> tuple[int, dict[str, str], bytes]:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return exchange(port, "\r\n".join(lines) + "\r\n\r\n")


def assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> dict:
    code, headers, body = answer
    assert code == status, body[:300]
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert set(problem) == PROBLEM_KEYS and problem["status"] == status
    return problem


def test_a_query_string_over_the_service_limit_gets_414_from_django(gunicorn_port):
    query = "q=" + "x" * MAX_REQUEST_TARGET
    problem = assert_problem(get(gunicorn_port, f"/api/search/suggest/?{query}"), 414)
    assert problem["type"] == "/problems/uri-too-long"
    assert f"at most {MAX_REQUEST_TARGET}" in problem["detail"]


@pytest.mark.parametrize("length", [10_000, 100_000])
def test_a_request_line_over_gunicorns_limit_gets_414_problem_json(gunicorn_port, length):
    answer = get(gunicorn_port, "/api/search/suggest/?q=" + "x" * length)
    problem = assert_problem(answer, 414)
    assert (problem["type"], problem["title"]) == ("/problems/uri-too-long", "URI too long")
    assert "request line" in problem["detail"]


@pytest.mark.parametrize("length", [9_000, 100_000])
def test_an_over_long_header_gets_431_problem_json(gunicorn_port, length):
    answer = get(gunicorn_port, "/health/", "Idempotency-Key: " + "k" * length)
    problem = assert_problem(answer, 431)
    assert problem["type"] == "/problems/request-header-fields-too-large"


def test_malformed_http_gets_400_problem_json(gunicorn_port):
    answer = exchange(gunicorn_port, "GET /health/ HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n")
    assert assert_problem(answer, 400)["type"] == "/problems/bad-request"
