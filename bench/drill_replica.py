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

import math
import time
from dataclasses import dataclass

from .drill_checks import (
    DrillResult,
    check_answered_orders_projected,
    check_checkpoints_at_head,
    checkpoints,
    run_drill,
    wait_checkpoints_at_head,
)
from .drill_replica_checks import (
    check_back_in_rotation,
    check_no_errors,
    check_no_stale_reads,
    check_out_of_rotation,
    check_reads_on_replica,
    check_replica_caught_up,
    describe,
    replica_scans,
)
from .drill_replica_load import ReadYourWrites, seeded_stock
from .drill_rotation_watch import Observation, RotationWatch
from .drill_services import (
    RedisServer,
    Stack,
    TempCluster,
    cluster_root,
    query,
    recreate_database,
)
from .procs import Gunicorn, free_port

# Ports of this drill's own servers (loopback, below 32768): primary, replica, Redis, gunicorn.
PORTS = {"primary": 26310, "replica": 26311, "redis": 26320, "gunicorn": 26330}
DATABASE = "aforro_drill"
WARM_UP, PAUSES, PAUSE_SECONDS, BETWEEN = 6.0, 3, 1.0, 3.0
DOWN, AFTER = 10.0, 6.0  # seconds the replica stays stopped; seconds of load once it is back
OUT_WITHIN, BACK_WITHIN = 5.0, 30.0  # the rotation must notice the stop / the start within
CLIENTS = 2  # one per gunicorn worker: a third would queue behind a read that waits


@dataclass
class Service:
    replica: TempCluster
    url: str  # the drill's database on the primary
    replica_url: str  # the same database on the replica
    gunicorn: Gunicorn
    seeded: dict[tuple[int, int], int]  # (store, product) → stock before the load


def run() -> DrillResult:
    return run_drill("replica", "replica", _drill)


def private_cluster(stack: Stack, role: str) -> TempCluster:
    root = cluster_root(f"aforro-drill-replica-{role}-")
    cluster = TempCluster(free_port(PORTS[role], attempts=5), root)
    stack.on_close(cluster.destroy)
    return cluster


def start_service(stack: Stack) -> Service:
    """Primary, migrated and seeded; then its standby, Redis, gunicorn and the projector."""
    primary, replica = private_cluster(stack, "primary"), private_cluster(stack, "replica")
    primary.init()
    primary.start()
    url = recreate_database(primary.url, DATABASE)
    redis_server = RedisServer(
        "drill-replica-redis", free_port(PORTS["redis"], 5), stack.tmp, False
    )
    stack.start(redis_server)
    replica_url = f"{replica.url}/{DATABASE}"
    stack.configure(url, redis_server.url, DATABASE_REPLICA_URLS=replica_url)
    stack.prepare_database()
    replica.standby_of(primary)
    replica.start()
    seeded = seeded_stock(query(url, "SELECT store_id, product_id, quantity FROM read_inventory"))
    gunicorn = stack.gunicorn(free_port(PORTS["gunicorn"], 5))
    stack.projector()
    return Service(replica, url, replica_url, gunicorn, seeded)


def _drill(drill: DrillResult, stack: Stack) -> None:
    service = start_service(stack)
    watch = RotationWatch(service.gunicorn.port).start()
    stack.on_close(watch.stop)
    ready = watch.wait_for(Observation.all_in, 20)
    drill.check("the replica is in rotation before the load", ready is not None, describe(ready))
    seconds = WARM_UP + PAUSES * (PAUSE_SECONDS + BETWEEN) + DOWN + BACK_WITHIN + AFTER + 30
    load = ReadYourWrites(service.gunicorn.port, clients=CLIENTS, seconds=seconds)
    try:
        scans = replica_scans(service.replica_url)
        load.start()
        time.sleep(WARM_UP)
        check_reads_on_replica(drill, service.replica_url, scans, "under load")
        behind, paused = pause_replays(service)
        down = time.monotonic()
        service.replica.stop("fast")
        time.sleep(DOWN)
        service.replica.start()
        up = time.monotonic()
        back = watch.wait_for(Observation.all_in, BACK_WITHIN)
        scans = replica_scans(service.replica_url)
        time.sleep(AFTER)
    finally:
        load.stop()
        watch.stop()
    drill.note(
        f"{len(load.orders)} orders placed and {len(load.reads)} read back with min_position "
        f"by {CLIENTS} clients; replica stopped {up - down:.1f} s"
    )
    lags = [
        lag
        for seen in watch.seen
        if any(begin <= seen.at <= end + 1 for begin, end in paused)
        for lag in seen.lag.values()
        if not math.isnan(lag)  # NaN: not answering
    ]
    drill.note(
        f"largest replica lag /metrics showed around the pauses: {max(lags, default=0):.2f} s"
    )
    check_no_stale_reads(drill, load, service.seeded, paused)
    drill.check(
        "each replay pause left the replica behind the primary (staleness was observable)",
        len(behind) == PAUSES and all(b > 0 for b in behind),
        f"store_orders checkpoint, primary minus replica, at the end of each "
        f"{PAUSE_SECONDS:g} s pause: {behind} events",
    )
    check_out_of_rotation(drill, watch, load, down, up, OUT_WITHIN)
    check_back_in_rotation(drill, watch, back, up, BACK_WITHIN)
    check_reads_on_replica(drill, service.replica_url, scans, f"again ({AFTER:g} s after)")
    check_no_errors(drill, load)
    check_settled(drill, service, load)


def pause_replays(service: Service) -> tuple[list[int], list[tuple[float, float]]]:
    """Pause the replica's replay PAUSES times; (how many events the replica's store_orders
    checkpoint was behind the primary's at the end of each pause, the pauses' time spans)."""
    behind, spans = [], []
    for _ in range(PAUSES):
        service.replica.pause_replay()
        began = time.monotonic()
        try:
            time.sleep(PAUSE_SECONDS)
            ours = checkpoints(service.url).get("store_orders", 0)
            behind.append(ours - checkpoints(service.replica_url).get("store_orders", 0))
        finally:
            service.replica.resume_replay()
        spans.append((began, time.monotonic()))
        time.sleep(BETWEEN)
    return behind, spans


def check_settled(drill: DrillResult, service: Service, load: ReadYourWrites) -> None:
    """After the load: the projector at the head, the replica equal to the primary, every
    answered order readable on the replica; how many reads the stop made run again."""
    caught_up = wait_checkpoints_at_head(service.url, 30)
    if caught_up is not None:
        drill.note(f"the projector reached the head {caught_up:.1f} s after the load")
    check_checkpoints_at_head(drill, service.url)
    check_replica_caught_up(drill, service.url, service.replica_url)
    check_answered_orders_projected(drill, service.replica_url, load.answered_orders())
    log = service.gunicorn.log_path.read_text(errors="replace")
    drill.note(
        f"{log.count('failed a read')} read(s) failed on the replica as it stopped and ran "
        "again on the primary, in the same request"
    )
