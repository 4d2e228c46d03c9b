"""Drill: restart PostgreSQL under an order load. A temporary cluster of the drill's own (never
the machine's main one) is stopped (`pg_ctl stop -m fast`), left down ~3 s and started again.

During the outage requests must fail fast (no request longer than ~6 s) with a 503
problem+json or a refused connection, never a 500; nothing may be half-written in the event
store; orders must succeed again within ~15 s of the restart and keep succeeding; the
projector must reconnect and catch up; the read tables must equal a replay.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .drill_checks import (
    DrillResult,
    check_answered_orders_projected,
    check_checkpoints_at_head,
    check_event_store,
    check_replay_equal,
    examples,
    run_drill,
    wait_checkpoints_at_head,
)
from .drill_load import Load, Sample
from .drill_services import RedisServer, Stack, TempCluster, recreate_database
from .procs import BenchError, free_port

WARM_UP, DOWN, AFTER = 6.0, 3.0, 20.0  # seconds of load before, server down, load after
FAIL_FAST = 6.0  # no request may take longer while the database is down
RECOVERY = 15.0  # orders succeed again within this many seconds of the restart
CATCH_UP = 60.0  # the projector reaches the head within this many seconds after the load
PROBLEM_JSON = "application/problem+json"
AUDITED_ITEMS = ((1, 1), (1, 25), (2, 50))


def run() -> DrillResult:
    return run_drill("postgres", "postgres", _drill)


def _drill(drill: DrillResult, stack: Stack) -> None:
    cluster = TempCluster(free_port(21830), Path(tempfile.mkdtemp(prefix="aforro-drill-pg-")))
    stack.on_close(cluster.destroy)
    cluster.init()
    cluster.start()
    redis_server = RedisServer("drill-postgres-redis", free_port(21430), stack.tmp, False)
    stack.start(redis_server)
    url = recreate_database(cluster.url, "aforro_drill")
    stack.configure(url, redis_server.url)
    stack.prepare_database()
    port = free_port(21030)
    stack.gunicorn(port)
    projector = stack.projector()
    load = Load(port, writers=3, readers=1, timeout=20, seconds=WARM_UP + DOWN + AFTER + 60)
    load.start()
    try:
        time.sleep(WARM_UP)
        down = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN)
        cluster.start()
        up = time.monotonic()
        time.sleep(AFTER)
    finally:
        load.stop()
    drill.note(f"PostgreSQL down for {up - down:.1f} s (pg_ctl stop -m fast, {DOWN:.0f} s, start)")
    check_during_outage(drill, load, down, up)
    check_recovery(drill, load, up)
    check_consistent_after(drill, stack, load, projector)


def check_consistent_after(drill: DrillResult, stack: Stack, load: Load, projector) -> None:
    """After the load: the running projector caught up, nothing was lost or half-written, and
    the read side equals a fresh replay."""
    url = stack.database_url
    caught_up = wait_checkpoints_at_head(url, CATCH_UP)
    drill.check(
        "the running projector reconnected and caught up",
        caught_up is not None and projector.alive(),
        f"at the head {caught_up:.1f} s after the load stopped"
        if caught_up is not None
        else f"not at the head within {CATCH_UP:.0f} s; alive: {projector.alive()}",
    )
    projector.stop()
    stack.manage("run_projectors", "--once")
    check_checkpoints_at_head(drill, url)
    check_answered_orders_projected(drill, url, load.answered_orders())
    check_event_store(drill, stack)
    check_audit_stock(drill, stack)
    check_replay_equal(drill, stack)


def check_during_outage(drill: DrillResult, load: Load, down: float, up: float) -> None:
    during = load.between(down, up, ("order", "inventory", "orders"))
    slow = sorted((s for s in during if s.seconds > FAIL_FAST), key=lambda s: -s.seconds)
    slowest = max(during, key=lambda s: s.seconds, default=None)
    drill.check(
        f"requests failed fast during the outage (none > {FAIL_FAST:.0f} s)",
        during and not slow,
        f"{len(during)} requests overlapped it, slowest: "
        f"{slowest.describe() if slowest else 'none'}; "
        f"{len(slow)} slower{examples([s.describe() for s in slow])}",
    )
    errors = [s for s in load.samples if s.status is not None and s.status >= 400]
    wrong = [s for s in errors if s.status != 503 or not s.content_type.startswith(PROBLEM_JSON)]
    refused = sum(s.status is None for s in load.samples)
    drill.check(
        "errors are 503 problem+json or refused connections, never 500",
        not wrong,
        f"{len(errors)} error answers ({statuses(errors)}), {refused} without an answer; "
        f"{len(wrong)} other{examples([f'{s.status} {s.content_type}' for s in wrong])}",
    )


def check_recovery(
    drill: DrillResult, load: Load, up: float, within: float = RECOVERY, event: str = "restart"
) -> None:
    orders = [s for s in load.samples if s.kind == "order" and s.started >= up]
    first = min((s.ended - up for s in orders if s.status == 201), default=None)
    drill.check(
        f"201s resumed within {within:.0f} s of the {event}",
        first is not None and first <= within,
        f"first 201 {first:.2f} s after the {event}" if first is not None else "no 201 at all",
    )
    failed_after = [
        s.ended - up for s in load.samples if s.ended >= up and s.status not in (200, 201)
    ]
    if failed_after:
        drill.note(
            f"{len(failed_after)} request(s) failed after the {event} was complete, the last "
            f"ended {max(failed_after):.2f} s after it"
        )
    else:
        drill.note(f"no request failed after the {event}")
    settled = [s for s in load.samples if s.started >= up + within]
    bad = [s for s in settled if s.status not in (200, 201)]
    drill.check(
        f"every request from {within:.0f} s after the {event} on succeeded",
        settled and not bad,
        f"{len(settled)} requests, {len(bad)} failed{examples([s.describe() for s in bad])}",
    )


def check_audit_stock(drill: DrillResult, stack: Stack) -> None:
    """`manage.py audit_stock` exits 1 when the inventory row disagrees with the event store."""
    failures = []
    for store_id, product_id in AUDITED_ITEMS:
        try:
            stack.manage("audit_stock", str(store_id), str(product_id), timeout=60)
        except BenchError as error:
            failures.append(f"({store_id}, {product_id}): {str(error).splitlines()[-1]}")
    drill.check(
        "audit_stock agrees with the read table",
        not failures,
        f"items {list(AUDITED_ITEMS)}" + (f"; {failures}" if failures else ""),
    )


def statuses(samples: list[Sample]) -> str:
    counts: dict[str, int] = {}
    for s in samples:
        key = str(s.status) if s.status is not None else s.error
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "none"
