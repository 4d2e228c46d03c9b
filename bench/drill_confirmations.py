"""Drill: no Celery worker for several sweep intervals while orders keep coming. The broker's
queue must stay at about one confirmation task per order (the sweep re-enqueues nothing while
tasks wait in the queue, and backs off per order), not one per order per sweep; once a worker
starts, every confirmed order gets exactly one e-mail (docs/decisions/014).

The sweep runs every SWEEP_INTERVAL s with a grace of SWEEP_GRACE s here (60 s and 120 s by
default), so the outage spans OUTAGE / SWEEP_INTERVAL sweeps, each past every order's grace.
"""

from __future__ import annotations

import time

import redis

from .drill_checks import DrillResult, check_checkpoints_at_head, run_drill
from .drill_load import Load
from .drill_redis import broker_orders, check_delivery, wait_for_delivery
from .drill_services import (
    RedisServer,
    Stack,
    query,
    wait_for_log,
)
from .procs import free_port

DATABASE = "aforro_drill_confirmations"
SWEEP_GRACE, SWEEP_INTERVAL, MAX_BACKOFF = 2, 2, 8  # seconds
OUTAGE = 14.0  # seconds of orders with no worker: 7 sweep intervals
SETTLE = 3 * SWEEP_INTERVAL  # seconds after the load, still without a worker: more sweeps
DELIVERY_WAIT = 60.0


def run() -> DrillResult:
    return run_drill("confirmations", "confirmations", _drill)


def _drill(drill: DrillResult, stack: Stack) -> None:
    emails = stack.tmp / "emails"
    server = RedisServer("drill-confirmations-redis", free_port(21440), stack.tmp, False)
    stack.start(server)
    url = stack.scratch_database(DATABASE)
    stack.configure_with_worker_mail(
        url,
        server.url,
        emails,
        CONFIRMATION_SWEEP_GRACE_SECONDS=str(SWEEP_GRACE),
        CONFIRMATION_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL),
        CONFIRMATION_SWEEP_MAX_BACKOFF_SECONDS=str(MAX_BACKOFF),
    )
    stack.prepare_database()
    port = free_port(21040)
    stack.gunicorn(port)
    projector = stack.projector()
    broker = redis.Redis(port=server.port, db=1, socket_timeout=2)  # the broker beside db 0
    load = Load(port, writers=2, readers=0, seconds=OUTAGE, pause=0.05).start()
    depths = []
    started = time.monotonic()
    while time.monotonic() - started < OUTAGE + SETTLE:
        depths.append(broker.llen("celery"))
        time.sleep(0.5)
    load.stop()
    check_no_flood(drill, url, load, depths, broker.llen("celery"))
    held_back = projector.log_path.read_text(errors="replace").count("still queued")
    drill.note(
        f"no worker for {OUTAGE + SETTLE:.0f} s ({(OUTAGE + SETTLE) / SWEEP_INTERVAL:.0f} sweep "
        f"intervals of {SWEEP_INTERVAL} s, grace {SWEEP_GRACE} s): the sweep held back "
        f"{held_back} time(s) because tasks were still queued"
    )
    worker = stack.celery_worker()
    if not wait_for_log(worker, " ready.", 60):
        raise RuntimeError(f"the Celery worker did not come up:\n{worker.log_tail()}")
    came_back = time.monotonic()
    waited = wait_for_delivery(url, emails, DELIVERY_WAIT)
    drill.note(
        "after the worker started, every confirmation arrived "
        + (f"within {waited:.1f} s" if waited is not None else "NOT in time")
        + f" (worker up {came_back - started:.0f} s into the drill)"
    )
    check_checkpoints_at_head(drill, url)
    stranded = broker_orders(server.port, "unacked")
    check_delivery(drill, url, emails, waited, stranded, broker_orders(server.port, "celery"))


def check_no_flood(drill: DrillResult, url: str, load: Load, depths: list[int], end: int):
    answered = load.answered_orders()
    confirmed = query(url, "SELECT count(*) FROM read_order WHERE status = 'CONFIRMED'")[0][0]
    drill.check(
        "orders kept being placed with no worker",
        len(answered) > 0 and all(s.status == 201 for s in load.samples),
        f"{len(answered)} answered 201 of {len(load.samples)} POST /orders/",
    )
    attempts = query(
        url, "SELECT coalesce(max(attempts), 0), count(*) FROM notify_order_confirmation_enqueued"
    )[0]
    drill.check(
        "the broker's queue stays at about one task per confirmed order (not one per sweep)",
        0 < end <= confirmed and max(depths) <= confirmed,
        f"{confirmed} confirmed orders; queue {end} tasks at the end, at most {max(depths)} "
        f"sampled every 0.5 s; enqueue records {attempts[1]}, most attempts per order "
        f"{attempts[0]}",
    )
