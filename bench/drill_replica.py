"""Drill: reads from a streaming replica under an order load (issue 15). A private primary and a
hot standby of it (`pg_basebackup -R`), gunicorn (2 workers) with DATABASE_REPLICA_URLS naming
the standby, and `run_projectors` on the primary. Clients place orders and read each one back
at once with `min_position` (drill_replica_load). While they do:

1. replay on the replica is paused PAUSES times for PAUSE_SECONDS (`pg_wal_replay_pause()`):
   the replica's rows and checkpoint fall behind the primary's, so a read that trusted anything
   but the replica's own checkpoint would show a page from before the caller's order;
2. the replica is stopped (`pg_ctl stop -m fast`) for DOWN seconds: reads go to the primary;
3. it is started again: it resumes streaming and comes back into rotation, reads with it.

Passes with zero stale reads, no 5xx and no unanswered request, the replica out of rotation
(/metrics, /health/ degraded) while it is down and in again after, reads served by the replica
before and after the outage (its own scan counters grow), and the replica caught up at the end.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .drill_checks import (
    DrillResult,
    check_answered_orders_projected,
    check_checkpoints_at_head,
    checkpoints,
    examples,
    run_drill,
    wait_checkpoints_at_head,
)
from .drill_postgres import statuses
from .drill_replica_load import ReadYourWrites, seeded_stock, stale_reason, stock_bounds
from .drill_rotation_watch import Observation, RotationWatch
from .drill_services import RedisServer, Stack, TempCluster, query, recreate_database
from .procs import free_port

# Ports of this drill's own servers (loopback, below 32768): primary, replica, Redis, gunicorn.
PORTS = {"primary": 26310, "replica": 26311, "redis": 26320, "gunicorn": 26330}
DATABASE = "aforro_drill"
WARM_UP, PAUSES, PAUSE_SECONDS, BETWEEN = 6.0, 3, 1.0, 3.0
DOWN, AFTER = 10.0, 6.0  # seconds the replica stays stopped; seconds of load once it is back
OUT_WITHIN, BACK_WITHIN = 5.0, 30.0  # rotation must notice the stop / the start within these
READ_TABLES_SCANNED = ("read_order", "read_order_line", "read_inventory")


def run() -> DrillResult:
    return run_drill("replica", "replica", _drill)


def private_cluster(stack: Stack, role: str) -> TempCluster:
    # 0755: the postgres OS user (initdb, the server, pg_basebackup run as it) enters the root.
    root = Path(tempfile.mkdtemp(prefix=f"aforro-drill-replica-{role}-"))
    os.chmod(root, 0o755)
    cluster = TempCluster(free_port(PORTS[role], attempts=5), root)
    stack.on_close(cluster.destroy)
    return cluster


def replica_scans(url: str) -> int:
    """Sequential plus index scans of the read tables on this server: they grow only when
    reads run there (the projector writes on the primary, the rotation's probes read none)."""
    names = list(READ_TABLES_SCANNED)
    return query(
        url,
        "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::bigint "
        "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
        (names,),
    )[0][0]


def scans_after(url: str, since: int, seconds: float = 3.0) -> int:
    """The growth of `replica_scans` since `since`; backends flush their counts about once a
    second, so a zero is retried for a few seconds before it counts."""
    deadline = time.monotonic() + seconds
    grown = replica_scans(url) - since
    while grown <= 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        grown = replica_scans(url) - since
    return grown


def _drill(drill: DrillResult, stack: Stack) -> None:
    primary = private_cluster(stack, "primary")
    primary.init()
    primary.start()
    url = recreate_database(primary.url, DATABASE)
    redis_server = RedisServer(
        "drill-replica-redis", free_port(PORTS["redis"], 5), stack.tmp, False
    )
    stack.start(redis_server)
    replica = private_cluster(stack, "replica")
    replica_url = f"{replica.url}/{DATABASE}"
    stack.configure(url, redis_server.url, DATABASE_REPLICA_URLS=replica_url)
    stack.prepare_database()
    # pg_basebackup starts with a checkpoint, spread over minutes by default: one taken now
    # leaves it nothing to write.
    query(f"{primary.url}/postgres", "CHECKPOINT")
    replica.standby_of(primary)
    replica.start()
    seeded = seeded_stock(query(url, "SELECT store_id, product_id, quantity FROM read_inventory"))

    port = free_port(PORTS["gunicorn"], 5)
    stack.gunicorn(port)
    projector = stack.projector()
    watch = RotationWatch(port).start()
    stack.on_close(watch.stop)
    ready = watch.wait_for(Observation.all_in, 20)
    drill.check(
        "the replica is in rotation before the load",
        ready is not None,
        describe(ready or (watch.seen[-1] if watch.seen else None)),
    )

    load = ReadYourWrites(port, clients=2, seconds=WARM_UP + PAUSES * 5 + DOWN + BACK_WITHIN + 60)
    scans = replica_scans(replica_url)
    load.start()
    try:
        time.sleep(WARM_UP)
        drill.check(
            "reads are served by the replica",
            (grown := scans_after(replica_url, scans)) > 0,
            f"{grown} scans of {', '.join(READ_TABLES_SCANNED)} on the replica in {WARM_UP:g} s",
        )
        behind, paused = pause_replays(primary_url=url, replica_url=replica_url)
        stopped = time.monotonic()
        replica.stop("fast")
        time.sleep(DOWN)
        replica.start()
        started = time.monotonic()
        back = watch.wait_for(Observation.all_in, BACK_WITHIN)
        scans = replica_scans(replica_url)
        time.sleep(AFTER)
        grown = scans_after(replica_url, scans)
    finally:
        load.stop()
        watch.stop()
    drill.note(
        f"{len(load.orders)} orders placed, {len(load.reads)} reads with min_position, "
        f"by {len(load._threads)} clients over gunicorn's 2 workers"
    )
    check_no_stale_reads(drill, load, seeded, paused)
    drill.check(
        "each replay pause left the replica behind the primary (staleness was observable)",
        len(behind) == PAUSES and all(b > 0 for b in behind),
        f"store_orders checkpoint, primary minus replica, at the end of each "
        f"{PAUSE_SECONDS:g} s pause: {behind} events",
    )
    check_out_of_rotation(drill, watch, load, stopped, started)
    drill.check(
        f"the restarted replica is back in rotation within {BACK_WITHIN:g} s",
        back is not None,
        (f"{back.at - started:.1f} s after its start; " + describe(back))
        if back
        else describe(watch.seen[-1] if watch.seen else None),
    )
    drill.check(
        "reads are served by the replica again",
        grown > 0,
        f"{grown} scans of the read tables on the replica in the {AFTER:g} s after it was back",
    )
    check_no_errors(drill, load)
    caught_up = wait_checkpoints_at_head(url, 30)
    drill.note(
        f"the projector reached the head {caught_up:.1f} s after the load"
        if caught_up is not None
        else "the projector did not reach the head within 30 s"
    )
    check_checkpoints_at_head(drill, url)
    check_replica_caught_up(drill, url, replica_url)
    check_answered_orders_projected(drill, replica_url, {o.order_id: o.status for o in load.placed})
    del projector


def pause_replays(primary_url: str, replica_url: str) -> tuple[list[int], list[tuple]]:
    """Pause the replica's replay PAUSES times; (how many events the replica's store_orders
    checkpoint was behind the primary's at the end of each pause, the pauses' time spans)."""
    behind, spans = [], []
    for _ in range(PAUSES):
        query(replica_url, "SELECT pg_wal_replay_pause()")
        began = time.monotonic()
        try:
            time.sleep(PAUSE_SECONDS)
            primary_at = checkpoints(primary_url).get("store_orders", 0)
            behind.append(primary_at - checkpoints(replica_url).get("store_orders", 0))
        finally:
            query(replica_url, "SELECT pg_wal_replay_resume()")
        spans.append((began, time.monotonic()))
        time.sleep(BETWEEN)
    return behind, spans


def describe(seen: Observation | None) -> str:
    if seen is None:
        return "no observation"
    return (
        f"/health/ {seen.health}, replicas {seen.replicas}; "
        f"in_rotation {seen.in_rotation or 'not reported'}, lag {seen.lag or 'not reported'}"
    )


def check_no_stale_reads(drill, load, seeded, paused) -> None:
    bound = stock_bounds(load.placed, seeded)
    answered = [r for r in load.reads if r.sample.status == 200]
    stale = [(r, why) for r in answered if (why := stale_reason(r, bound)) is not None]
    during = [
        r
        for r in load.reads
        if any(r.sample.started <= b and r.sample.ended >= a for a, b in paused)
    ]
    slowest = max((r.sample.seconds for r in during), default=0.0)
    by_kind = {
        k: sum(1 for r in answered if r.sample.kind == k) for k in ("detail", "orders", "inventory")
    }
    drill.check(
        "zero stale reads: every min_position read shows the caller's own order",
        bool(answered) and not stale,
        f"{len(answered)} reads answered 200 ({by_kind}); {len(stale)} stale"
        f"{examples([f'{r.sample.kind}: {why}' for r, why in stale])}; "
        f"{len(during)} overlapped a replay pause ({statuses([r.sample for r in during])}), "
        f"slowest {slowest:.2f} s",
    )


def check_out_of_rotation(drill, watch, load, stopped: float, started: float) -> None:
    out = watch.first(stopped, Observation.all_out)
    in_time = out is not None and out.at - stopped <= OUT_WITHIN and out.at < started
    drill.check(
        f"the stopped replica left the rotation within {OUT_WITHIN:g} s, /health/ degraded",
        in_time and out.health == "degraded",
        (f"{out.at - stopped:.1f} s after the stop; " + describe(out)) if out else "never seen",
    )
    begin = out.at if out is not None else stopped
    meanwhile = [s for s in load.samples() if s.kind != "order" and begin <= s.started < started]
    failed = [s for s in meanwhile if s.status != 200]
    drill.check(
        "reads went to the primary while the replica was down",
        bool(meanwhile) and not failed,
        f"{len(meanwhile)} reads while it was out ({statuses(meanwhile)})"
        f"{examples([s.describe() for s in failed])}",
    )


def check_no_errors(drill, load) -> None:
    samples = load.samples()
    bad = [s for s in samples if s.status is None or s.status >= 500]
    wrong = [r for r in load.reads if r.sample.status not in (200, None) and r.sample.status < 500]
    drill.check(
        "no 5xx, no unanswered request, every read with min_position answered 200",
        not bad and not wrong,
        f"{len(samples)} requests ({statuses(samples)})"
        f"{examples([s.describe() for s in bad + [r.sample for r in wrong]])}",
    )


def check_replica_caught_up(drill, primary_url: str, replica_url: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while True:
        ours, theirs = checkpoints(primary_url), checkpoints(replica_url)
        if ours == theirs or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    drill.check(
        "the replica's checkpoints equal the primary's",
        ours == theirs,
        f"primary {ours}, replica {theirs}",
    )
