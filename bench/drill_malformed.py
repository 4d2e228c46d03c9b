"""Drill: ~2,000 malformed requests (`drill_garbage`) against gunicorn as fast as a few threads
can send them. No 5xx; every error the application answers is application/problem+json; the
event store does not move; the service still takes a valid order afterwards."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

from .drill_checks import DrillResult, examples, head, run_drill
from .drill_garbage import HTTP_LEVEL, ORDER, Garbage, garbage
from .drill_load import call
from .drill_services import (
    RedisServer,
    Stack,
)
from .procs import free_port

DATABASE = "aforro_drill_malformed"
COUNT, THREADS, TIME_LIMIT = 2000, 4, 100.0
PROBLEM_JSON = "application/problem+json"
OVERSIZED = 2_500_000  # above Django's DATA_UPLOAD_MAX_MEMORY_SIZE: may be cut off unread


@dataclass(frozen=True)
class Answer:
    garbage: Garbage
    status: int | None
    content_type: str
    from_app: bool  # went through Django (else gunicorn refused it and answered itself)
    error: str

    def describe(self) -> str:
        what = self.status if self.status is not None else self.error
        request_line = self.garbage.data.split(b"\r\n", 1)[0][:70].decode("latin-1")
        return f"{self.garbage.kind} `{request_line!r}` → {what} {self.content_type}".strip()


def run() -> DrillResult:
    return run_drill("malformed", "malformed", _drill)


def _drill(drill: DrillResult, stack: Stack) -> None:
    redis_server = RedisServer("drill-malformed-redis", free_port(21440), stack.tmp, False)
    stack.start(redis_server)
    url = stack.scratch_database(DATABASE)
    stack.configure(url, redis_server.url, SUGGEST_RATE="1000000/min", SUGGEST_BURST="1000000/10s")
    stack.prepare_database()
    port = free_port(21040)
    server = stack.gunicorn(port)
    stack.projector()
    before = head(url)
    requests = garbage(COUNT)
    started = time.monotonic()
    answers = fire(port, requests)
    elapsed = time.monotonic() - started
    drill.note(f"{len(answers)} requests in {elapsed:.1f} s ({len(answers) / elapsed:.0f}/s)")
    check_answers(drill, requests, answers)
    after = head(url)
    drill.check("event store head unchanged", after == before, f"{before} before, {after} after")
    check_still_serving(drill, port)
    log = server.log_path.read_text(errors="replace")
    boots, timeouts = log.count("Booting worker"), log.count("WORKER TIMEOUT")
    drill.check(
        "no gunicorn worker died or timed out",
        boots == 2 and timeouts == 0,
        f"{boots} workers booted (2 at start), {timeouts} timeouts",
    )


def fire(port: int, requests: list[Garbage]) -> list[Answer]:
    answers: list[Answer] = []
    pending = iter(requests)
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT

    def work() -> None:
        while time.monotonic() < deadline:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            answers.append(send(port, item))

    threads = [threading.Thread(target=work, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + 15)
    return answers


def send(port: int, item: Garbage, timeout: float = 10) -> Answer:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        # The server may answer and close before reading it all: read the answer anyway.
        with contextlib.suppress(OSError):
            sock.sendall(item.data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        ctype = response.getheader("Content-Type", "")
        # Every answer that went through the WSGI app carries "Server: gunicorn"; the error
        # pages gunicorn writes itself for requests it cannot parse carry no Server header.
        from_app = response.getheader("Server") is not None
        return Answer(item, response.status, ctype, from_app, "")
    except (OSError, http.client.HTTPException) as error:
        return Answer(item, None, "", False, type(error).__name__)
    finally:
        sock.close()


def check_answers(drill: DrillResult, requests: list[Garbage], answers: list[Answer]) -> None:
    unanswered = [a for a in answers if a.status is None]
    excused = [a for a in unanswered if len(a.garbage.data) > OVERSIZED]
    drill.check(
        f"all {len(requests)} requests sent and answered",
        len(answers) == len(requests) and len(unanswered) == len(excused),
        f"{len(answers)} sent, {len(unanswered)} without an answer ({len(excused)} of them "
        f"bodies over {OVERSIZED:,} bytes, reset unread) "
        f"{examples([a.describe() for a in unanswered if a not in excused])}",
    )
    statuses = Counter(a.status for a in answers if a.status is not None)
    drill.note("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    by_kind: dict[str, Counter] = {}
    for a in answers:
        by_kind.setdefault(a.garbage.kind, Counter())[a.status or a.error] += 1
    drill.note("by kind: " + "; ".join(f"{k} {dict(c)}" for k, c in sorted(by_kind.items())))
    fine = Counter(a.describe() for a in answers if a.status is not None and a.status < 400)
    drill.note(f"answers below 400: {dict(fine)}")
    server_errors = [a for a in answers if a.status is not None and a.status >= 500]
    drill.check(
        "zero 5xx",
        not server_errors,
        f"{len(server_errors)} 5xx{examples([a.describe() for a in server_errors])}",
    )
    errors = [a for a in answers if a.status and a.status >= 400]
    wrong = [a for a in errors if not a.content_type.startswith(PROBLEM_JSON)]
    drill.check(
        "every error answered, by Django or by gunicorn's worker, is application/problem+json",
        errors and not wrong,
        f"{sum(a.from_app for a in errors)} errors from Django, "
        f"{sum(not a.from_app for a in errors)} from gunicorn's worker, {len(wrong)} other"
        f"{examples([a.describe() for a in wrong])}",
    )
    by_gunicorn = [a for a in answers if a.status is not None and not a.from_app]
    unexpected = [a for a in by_gunicorn if a.garbage.kind not in HTTP_LEVEL]
    kinds = Counter(f"{a.garbage.kind} → {a.status} {a.content_type}" for a in by_gunicorn)
    drill.check(
        "only HTTP-level garbage was refused by gunicorn itself (before Django)",
        not unexpected,
        f"{len(by_gunicorn)} refused by gunicorn: {dict(kinds)}"
        + (f"; unexpected{examples([a.describe() for a in unexpected])}" if unexpected else ""),
    )


def check_still_serving(drill: DrillResult, port: int) -> None:
    """A valid order is placed (201) and read back through its projection (min_position)."""
    headers = {"Content-Type": "application/json"}
    status, _, body = call(port, "POST", "/orders/", json.dumps(ORDER).encode(), headers)
    detail, readable = f"POST /orders/ → {status}", False
    if status == 201:
        placed = json.loads(body)
        path = f"/orders/{placed['id']}/?min_position={placed['position']}"
        read_status, _, read_body = call(port, "GET", path)
        readable = read_status == 200 and json.loads(read_body)["status"] == placed["status"]
        detail += f" ({placed['status']}); GET /orders/<id>/?min_position=… → {read_status}"
    drill.check("a valid order afterwards: 201, then readable", readable, detail)
