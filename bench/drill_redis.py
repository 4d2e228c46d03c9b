"""Drill: stop the drill's redis-server (cache, throttle counters and Celery broker) for ~5 s
under a read and order load, then start it again on the same port with its append-only file;
twice: once wherever the worker happens to be, once while it drains a backlog of queued tasks.

Reads must keep answering 200 and orders 201 throughout (Redis is a cache, never the truth),
and after recovery every confirmed order gets exactly one confirmation email, within a bounded
wait: the notifier keeps its checkpoint while the broker is down and enqueues later.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

import redis

from .drill_checks import (
    DrillResult,
    check_checkpoints_at_head,
    confirmations_sent,
    confirmed_orders,
    examples,
    run_drill,
    wait_checkpoints_at_head,
)
from .drill_load import Load
from .drill_services import (
    RedisServer,
    Stack,
    query,
    wait_for_log,
)
from .procs import Background, free_port

DATABASE = "aforro_drill_redis"
WARM_UP, OUTAGE, AFTER = 6.0, 5.0, 8.0  # seconds of load before, during and after an outage
BACKLOG_SECONDS = 2.0  # the worker is paused this long just before the second outage
SWEEP_GRACE = 20  # seconds before the sweep enqueues a missing confirmation again
DELIVERY_WAIT = 60.0  # seconds for every confirmation to arrive after the load stops
SUBJECT = re.compile(r"^Subject: Order ([0-9a-f-]{36}) confirmed$", re.MULTILINE)


def run() -> DrillResult:
    return run_drill("redis", "redis", _drill)


def _drill(drill: DrillResult, stack: Stack) -> None:
    (stack.tmp / "redis").mkdir()
    emails = stack.tmp / "emails"
    server = RedisServer("drill-redis-redis", free_port(21420), stack.tmp / "redis", True)
    stack.start(server)
    url = stack.scratch_database(DATABASE)
    stack.configure_with_worker_mail(
        url,
        server.url,
        emails,
        # The sweep re-enqueues a confirmation the broker lost; shortened to fit the drill's
        # bounded wait for deliveries (the defaults are 120 s and 60 s).
        CONFIRMATION_SWEEP_GRACE_SECONDS=str(SWEEP_GRACE),
        CONFIRMATION_SWEEP_INTERVAL_SECONDS="5",
    )
    stack.prepare_database()
    port = free_port(21020)
    stack.gunicorn(port)
    projector = stack.projector()
    worker = stack.celery_worker()
    if not wait_for_log(worker, " ready.", 60):
        raise RuntimeError(f"the Celery worker did not come up:\n{worker.log_tail()}")
    load = Load(port, writers=2, readers=2, seconds=3 * WARM_UP + 2 * OUTAGE + AFTER + 30).start()
    windows = []
    try:
        time.sleep(WARM_UP)
        windows.append(outage(server, "the worker idle or busy as the load has it"))
        time.sleep(WARM_UP)
        build_backlog(worker)
        queued = redis.Redis(port=server.port, db=1, socket_timeout=2).llen("celery")
        windows.append(outage(server, f"{queued} tasks queued, the worker draining them"))
        time.sleep(AFTER)
    finally:
        load.stop()
    for down, up, label in windows:
        drill.note(f"Redis down {up - down:.1f} s ({label}), SIGTERM then restarted from its AOF")
    check_outages(drill, load, windows)
    waited = wait_for_delivery(url, emails, DELIVERY_WAIT)
    check_checkpoints_at_head(drill, url)
    stranded = broker_orders(server.port, "unacked")
    check_delivery(drill, url, emails, waited, stranded, broker_orders(server.port, "celery"))
    projector_log = projector.log_path.read_text(errors="replace")
    warnings = projector_log.count("broker unavailable")
    drill.note(f"the notifier logged 'broker unavailable' {warnings} times and kept its place")
    swept = [
        int(n) for n in re.findall(r"confirmation sweep re-enqueued (\d+) orders", projector_log)
    ]
    drill.note(
        f"the confirmation sweep (grace {SWEEP_GRACE} s) re-enqueued {sum(swept)} confirmation(s) "
        "that had no sent e-mail yet"
    )
    log = worker.log_path.read_text(errors="replace")
    lost, unacked = log.count("Connection to broker lost"), log.count("Couldn't ack")
    drill.note(
        f"the Celery worker lost its broker connection {lost} time(s), could not acknowledge "
        f"{unacked} task(s) it had run, and answered 'already-sent' to "
        f"{log.count(': ' + chr(39) + 'already-sent')} redelivered or re-enqueued task(s)"
    )
    drill.note(
        f"{len(stranded)} message(s) left in the broker's unacked set at the end (Redis "
        "transport: redelivered only after the visibility timeout, 1 h by default)"
        + examples(sorted(stranded))
    )


def build_backlog(worker: Background) -> None:
    """Pause the Celery worker (SIGSTOP) for BACKLOG_SECONDS so confirmations queue up, then
    resume it: Redis then goes down with tasks queued (they must survive in its AOF) and one
    running that the worker cannot acknowledge."""
    os.kill(worker.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(BACKLOG_SECONDS)
    finally:
        os.kill(worker.proc.pid, signal.SIGCONT)
    time.sleep(0.3)


def outage(server: RedisServer, label: str) -> tuple[float, float, str]:
    """Stop Redis (SIGTERM: it writes its AOF and exits), wait OUTAGE seconds, start it again
    on the same port and directory; (down, up, label)."""
    down = time.monotonic()
    server.stop()
    time.sleep(OUTAGE)
    server.start()
    return down, time.monotonic(), label


def check_outages(drill: DrillResult, load: Load, windows: list) -> None:
    reads = [s for down, up, _ in windows for s in load.between(down, up, ("inventory", "orders"))]
    bad = [s.describe() for s in reads if s.status != 200]
    slowest = max((s.seconds for s in reads), default=0.0)
    drill.check(
        "GET inventory/orders answered 200 while Redis was down",
        reads and not bad,
        f"{len(reads)} reads, {len(bad)} not 200{examples(bad)}; slowest {slowest:.2f} s",
    )
    orders = [s for down, up, _ in windows for s in load.between(down, up, ("order",))]
    bad = [s.describe() for s in orders if s.status != 201]
    drill.check(
        "POST /orders/ answered 201 while Redis was down",
        orders and not bad,
        f"{len(orders)} orders, {len(bad)} not 201{examples(bad)}",
    )
    everything = [s.describe() for s in load.samples if s.status not in (200, 201)]
    drill.check(
        "no failed request over the whole run",
        not everything,
        f"{len(load.samples)} requests, {len(everything)} failed{examples(everything)}",
    )


def broker_orders(port: int, key: str) -> list[str]:
    """Order ids of the confirmation tasks in the broker (Redis db 1): key "celery" is the
    queue (a list), "unacked" kombu's hash of fetched, unacknowledged messages."""
    broker = redis.Redis(port=port, db=1, socket_timeout=2)
    if key == "unacked":
        messages = [json.loads(raw)[0] for raw in broker.hvals(key)]
    else:
        messages = [json.loads(raw) for raw in broker.lrange(key, 0, -1)]
    return [str(json.loads(base64.b64decode(m["body"]))[0][0]) for m in messages]


def missing_where(missing: list[str], stranded: list[str], queued: list[str]) -> str:
    """Where the missing confirmations' tasks are: fetched and never acknowledged (kombu puts
    them back only after the visibility timeout), still queued, or gone from the broker."""
    in_unacked = len(set(missing) & set(stranded))
    in_queue = len(set(missing) & set(queued))
    gone = len(missing) - in_unacked - in_queue
    return (
        f"; of the missing, {in_unacked} sit in the broker's unacked set, {in_queue} in its "
        f"queue, {gone} nowhere in the broker (popped from the queue, never run, never "
        "recorded as unacked: lost)"
    )


def emailed_orders(emails: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in emails.glob("*") if emails.is_dir() else []:
        found.update(SUBJECT.findall(path.read_text(errors="replace")))
    return found


def wait_for_delivery(url: str, emails: Path, seconds: float) -> float | None:
    """Seconds until the projections are at the head and every confirmed order has its
    confirmation row and email; None if that did not happen within `seconds`."""
    started = time.monotonic()
    if wait_checkpoints_at_head(url, seconds) is None:
        return None
    while time.monotonic() - started < seconds:
        confirmed = confirmed_orders(url)
        if confirmations_sent(url) >= confirmed and len(emailed_orders(emails)) >= confirmed:
            return time.monotonic() - started
        time.sleep(0.5)
    return None


def check_delivery(
    drill: DrillResult,
    url: str,
    emails: Path,
    waited: float | None,
    stranded: list[str],
    queued: list[str],
) -> None:
    confirmed = {
        i for (i,) in query(url, "SELECT order_id::text FROM read_order WHERE status = 'CONFIRMED'")
    }
    rows = confirmations_sent(url)
    mailed = emailed_orders(emails)
    when = f"within {waited:.1f} s" if waited is not None else f"not within {DELIVERY_WAIT:.0f} s"
    drill.check(
        "a confirmation row per CONFIRMED order",
        rows == len(confirmed),
        f"{len(confirmed)} CONFIRMED, {rows} rows ({when})",
    )
    missing = sorted(confirmed - set(mailed))
    doubled = sorted(i for i, n in mailed.items() if n > 1)
    strays = sorted(set(mailed) - confirmed)
    drill.check(
        "exactly one email per CONFIRMED order",
        not (missing or doubled or strays),
        f"{sum(mailed.values())} messages for {len(mailed)} orders; missing {len(missing)}"
        f"{examples(missing)}, doubled {len(doubled)}{examples(doubled)}, "
        f"not confirmed {len(strays)}{examples(strays)}"
        + (missing_where(missing, stranded, queued) if missing else ""),
    )
