"""Drill: kill -9 the projector worker again and again while orders flow, then check that
nothing was lost or doubled: every answered order is in the read side with its status, each
confirmed order got exactly one confirmation, the checkpoints reached the head and the read
tables equal a rebuild from position 0."""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass

from .drill_checks import (
    DrillResult,
    check_answered_orders_projected,
    check_checkpoints_at_head,
    check_event_store,
    check_replay_equal,
    checkpoints,
    confirmations_sent,
    confirmed_orders,
    examples,
    run_drill,
)
from .drill_load import Load
from .drill_services import (
    RedisServer,
    Stack,
)
from .procs import Background, free_port

DATABASE = "aforro_drill_projector"
KILLS = 12
KILL_LOOP_SECONDS = 75  # the loop stops here even if fewer kills were done
STARTED = "projector worker started"  # run_projectors logs it once up


def run() -> DrillResult:
    return run_drill("projector-kill", "projector", _drill)


def _drill(drill: DrillResult, stack: Stack) -> None:
    redis_server = RedisServer("drill-projector-redis", free_port(21410), stack.tmp, False)
    stack.start(redis_server)
    url = stack.scratch_database(DATABASE)
    stack.configure(url, redis_server.url)
    stack.prepare_database()
    port = free_port(21010)
    stack.gunicorn(port)
    initial = checkpoints(url).get("store_orders", 0)
    projector = stack.projector()
    load = Load(port, writers=3, readers=1, seconds=KILL_LOOP_SECONDS + 15).start()
    try:
        lives = kill_loop(projector, url, random.Random(11))
    finally:
        load.stop()
    projector.stop()
    positions = [life.checkpoint_at_kill for life in lives]
    drill.check(
        "projector killed with SIGKILL ≥ 10 times",
        len(lives) >= 10,
        f"{len(lives)} kills; store_orders checkpoint at each kill: {positions}",
    )
    running = sum(life.reached_running for life in lives)
    advanced = sum(b > a for a, b in zip([initial, *positions], positions, strict=False))
    drill.note(
        f"{running} kills hit a running worker, {len(lives) - running} one still starting; "
        f"the checkpoint advanced during {advanced} of the {len(lives)} lives"
    )
    orders = [s for s in load.samples if s.kind == "order"]
    failed = [s.describe() for s in orders if s.status != 201]
    drill.check(
        "orders kept succeeding while the projector died",
        not failed,
        f"{len(orders)} POST /orders/, {len(failed)} not 201{examples(failed)}",
    )
    stack.manage("run_projectors", "--once")
    check_checkpoints_at_head(drill, url)
    check_answered_orders_projected(drill, url, load.answered_orders())
    confirmed, sent = confirmed_orders(url), confirmations_sent(url)
    drill.check(
        "exactly one confirmation per confirmed order",
        confirmed == sent,
        f"{confirmed} CONFIRMED orders, {sent} confirmation rows",
    )
    check_event_store(drill, stack)
    check_replay_equal(drill, stack)


@dataclass
class Life:
    """One run of the worker between two kills."""

    reached_running: bool  # it logged STARTED before it was killed
    checkpoint_at_kill: int


def kill_loop(projector: Background, url: str, rng: random.Random) -> list[Life]:
    """SIGKILL the worker at random moments and start it again: a quarter of the kills land
    during start-up, the others 0-2.5 s after the worker reported it runs (catching up on the
    backlog of its previous lives, or idle)."""
    lives: list[Life] = []
    started_before = 0  # STARTED lines in the log when the current life began
    deadline = time.monotonic() + KILL_LOOP_SECONDS
    while len(lives) < KILLS and time.monotonic() < deadline:
        if rng.random() < 0.25:
            time.sleep(rng.uniform(0.2, 1.5))
        else:
            wait_until_running(projector, started_before, deadline)
            time.sleep(rng.uniform(0, 2.5))
        if projector.proc is None or projector.proc.poll() is not None:
            raise RuntimeError(f"the projector exited on its own:\n{projector.log_tail()}")
        os.kill(projector.proc.pid, signal.SIGKILL)
        projector.proc.wait(10)
        running = started_lines(projector) > started_before
        lives.append(Life(running, checkpoints(url).get("store_orders", 0)))
        started_before = started_lines(projector)
        time.sleep(rng.uniform(0, 0.5))
        projector.start()
    return lives


def started_lines(projector: Background) -> int:
    return projector.log_path.read_text(errors="replace").count(STARTED)


def wait_until_running(projector: Background, started_before: int, deadline: float) -> None:
    while time.monotonic() < deadline and started_lines(projector) <= started_before:
        time.sleep(0.05)
