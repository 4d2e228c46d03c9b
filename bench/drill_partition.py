"""Drill: a partition from PostgreSQL under an order load. Every process of a temporary cluster of
the drill's own is frozen (SIGSTOP) for FROZEN seconds, then thawed (SIGCONT).

Unlike a restart, a frozen server refuses nothing: connections open, packets are acknowledged,
and no answer ever comes, as behind a link that stopped forwarding. So only the request's own
deadline (DB_DEADLINE_SECONDS, 5 s by default) ends a wait. Every request during the freeze
must answer within the deadline plus 1 s (a 503 problem+json, never a 500 or a hang); orders
succeed again within 5 s of the thaw; nothing is half-written; the projector catches up; the
read tables equal a fresh replay.

The load has one writer and one reader for gunicorn's two sync workers: a third client would
queue in the listen backlog behind a worker that waits out its deadline, and measure the queue.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
from pathlib import Path

from .drill_checks import DrillResult, examples, run_drill
from .drill_load import Load
from .drill_postgres import PROBLEM_JSON, check_consistent_after, check_recovery, statuses
from .drill_services import RedisServer, Stack, TempCluster, recreate_database
from .procs import free_port

DEADLINE = 5.0  # DB_DEADLINE_SECONDS of the service under test (its default)
ANSWER_WITHIN = DEADLINE + 1.0  # every request during the freeze answers within this
WARM_UP, FROZEN, AFTER = 6.0, 12.0, 15.0  # seconds of load before, frozen, load after
RESUME_WITHIN = 5.0  # orders succeed again within this many seconds of the thaw


def run() -> DrillResult:
    return run_drill("partition", "partition", _drill)


def cluster_pids(cluster: TempCluster) -> list[int]:
    """The postmaster (first line of postmaster.pid) and every process it started."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return [postmaster, *map(int, children)]


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # a backend that ended meanwhile
            os.kill(pid, signum)


def _drill(drill: DrillResult, stack: Stack) -> None:
    cluster = TempCluster(free_port(21840), Path(tempfile.mkdtemp(prefix="aforro-drill-part-")))
    stack.on_close(cluster.destroy)
    cluster.init()
    cluster.start()
    redis_server = RedisServer("drill-partition-redis", free_port(21440), stack.tmp, False)
    stack.start(redis_server)
    url = recreate_database(cluster.url, "aforro_drill")
    stack.configure(url, redis_server.url, DB_DEADLINE_SECONDS=f"{DEADLINE:g}")
    stack.prepare_database()
    port = free_port(21040)
    stack.gunicorn(port)
    projector = stack.projector()
    load = Load(port, writers=1, readers=1, timeout=30, seconds=WARM_UP + FROZEN + AFTER + 60)
    load.start()
    frozen: list[int] = []
    try:
        time.sleep(WARM_UP)
        frozen = cluster_pids(cluster)
        signal_all(frozen, signal.SIGSTOP)
        down = time.monotonic()
        time.sleep(FROZEN)
    finally:
        signal_all(frozen, signal.SIGCONT)  # never leave a stopped server behind
        up = time.monotonic()
    try:
        time.sleep(AFTER)
    finally:
        load.stop()
    drill.note(f"{len(frozen)} PostgreSQL processes frozen (SIGSTOP) for {up - down:.1f} s")
    check_answers_during_freeze(drill, load, down, up)
    check_recovery(drill, load, up, within=RESUME_WITHIN, event="thaw")
    check_consistent_after(drill, stack, load, projector)


def check_answers_during_freeze(drill: DrillResult, load: Load, down: float, up: float) -> None:
    during = load.between(down, up, ("order", "inventory", "orders"))
    late = [s for s in during if s.status is None or s.seconds > ANSWER_WITHIN]
    slowest = max(during, key=lambda s: s.seconds, default=None)
    drill.check(
        f"every request during the freeze answered within the deadline + 1 s ({ANSWER_WITHIN:g} s)",
        bool(during) and not late,
        f"{len(during)} requests overlapped it ({statuses(during)}), slowest: "
        f"{slowest.describe() if slowest else 'none'}; "
        f"{len(late)} late or unanswered{examples([s.describe() for s in late])}",
    )
    errors = [s for s in load.samples if s.status is not None and s.status >= 400]
    wrong = [s for s in errors if s.status != 503 or not s.content_type.startswith(PROBLEM_JSON)]
    drill.check(
        "errors are 503 problem+json, never 500",
        not wrong,
        f"{len(errors)} error answers ({statuses(errors)}); "
        f"{len(wrong)} other{examples([f'{s.status} {s.content_type}' for s in wrong])}",
    )
