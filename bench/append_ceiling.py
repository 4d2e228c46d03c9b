"""The event store's append ceiling without HTTP: appends/s and orders/s at 1, 4, 16 and 64
concurrent writers on a private PostgreSQL cluster, and what the table lock of every append
(docs/decisions/002) is spent on: the append call inside PostgreSQL and the WAL flush of its
commit, which happens before the lock is released.
"""

from __future__ import annotations

import os

from .append_pool import Run, WriterPool, measure
from .append_rows import NICE_WRITERS, SCENARIO, SYNC_OFF, detail_rows, lock_rows, writers_label
from .load import plan, with_round_ratios
from .measure_env import PYTHON, ROOT, service_env
from .private_cluster import PrivateCluster
from .procs import run_command
from .stats import median, row

PORT = 26200
DATABASE = "aforro_ceiling"
REDIS_URL = "redis://127.0.0.1:6379/12"
PROCESSES = max(2, len(os.sched_getaffinity(0)))  # one writer process per core
STORES, PRODUCTS = 4, 500  # 2,000 stock items: orders seldom meet on one
DEFAULT_WRITERS = (1, 4, 16, 64)
CLUSTER_SETTINGS = {
    "max_connections": "300",  # 64 writers: a pooled connection and a writer-lock one each
    "track_functions": "'pl'",  # time inside the append function
    "track_wal_io_timing": "on",  # time spent flushing WAL (pg_stat_wal.wal_sync_time)
}
_writers: list[int] = list(DEFAULT_WRITERS)

NOTES = [
    f"Writers are threads spread over {PROCESSES} processes (one per core, as gunicorn's sync "
    "workers spread requests), each calling the command side in process: no HTTP, no "
    "projector. Processes alone would need 64 Django processes on 2 cores; threads alone put "
    "every writer's Python under one GIL.",
    "append: one atomic append of 4 new stock items (4 aggregates, 4 events: the size of an "
    "order of 3 lines), through the application's save: the event store's own cost. order: "
    "`place_order` with 1-3 random lines over 4 stores x 500 products, stocked for far more "
    "than the run sells: loads from the aggregate cache, decides, appends the order and its "
    "reservations at once.",
    "A private cluster (initdb defaults: fsync on, synchronous_commit on, the machine's disk; "
    "track_functions=pl and track_wal_io_timing=on to see inside the lock), so pg_stat_wal "
    "counts this benchmark only. Every append holds the table lock until its commit has "
    "flushed the WAL, so commits cannot share a flush: one WAL sync per append at any "
    "concurrency, and appends/s stay below 1 ÷ (time inside the append call + the flush).",
    "Diagnostics at the highest level, interleaved with the rest: appends with "
    "synchronous_commit=off (the commit does not wait for the flush; never a deployment "
    "setting), and orders with the writer processes at nice 19, so that PostgreSQL gets the "
    "cores first, as it would on a primary of its own. The whole machine's CPU is shown beside "
    "ours: other sessions' work on the box slows every figure.",
    "Rounds interleave the levels and modes (who goes first rotates); figures are medians of "
    "the rounds; ratios compare each level with 1 writer of the same mode in the same round. "
    "The machine: 2 shared cores that also run the writers and other sessions' work.",
]


def configure(writers: list[int] | None) -> None:
    """`--writers`: the concurrency levels to measure."""
    global _writers
    _writers = list(writers or DEFAULT_WRITERS)


def run(quick: bool) -> list[dict]:
    settings = plan(quick)
    cluster = PrivateCluster("append-ceiling", PORT, CLUSTER_SETTINGS)
    pool = None
    try:
        cluster.start()
        env = database_env(cluster)
        print(f"[bench] append-ceiling: cluster on port {PORT}, migrating", flush=True)
        run_command([PYTHON, "manage.py", "migrate", "-v0"], env)
        pool = WriterPool(PROCESSES, env)
        pool.send(0, {"do": "seed", "stores": STORES, "products": PRODUCTS})
        pool.reply(0)
        pool.everyone({"do": "catalog", "stores": STORES, "products": PRODUCTS})
        measure(pool, cluster, DATABASE, "order", max(_writers), 2)  # warm-up: caches, pools
        runs = rounds(pool, cluster, settings.runs, settings.seconds)
    finally:
        if pool is not None:
            pool.close()
        cluster.close()
    return rows(runs)


def database_env(cluster: PrivateCluster) -> dict[str, str]:
    url = cluster.database(DATABASE)
    env = service_env(DATABASE)
    pool_size = -(-max(_writers) // PROCESSES)  # a pooled connection per writer thread
    env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, EVENT_STORE_POOL_SIZE=str(pool_size))
    env.update(EVENT_STORE_POOL_WAIT_SECONDS="30", PYTHONPATH=str(ROOT))
    return env


def rounds(pool: WriterPool, cluster: PrivateCluster, count: int, seconds: int) -> dict:
    """Every (mode, writers) once per round, in an order that rotates from round to round."""
    plan_ = [(mode, n) for n in _writers for mode in ("append", "order")]
    plan_ += [(SYNC_OFF, max(_writers)), (NICE_WRITERS, max(_writers))]
    runs: dict[tuple[str, int], list[Run]] = {key: [] for key in plan_}
    for round_no in range(count):
        shift = round_no * 3 % len(plan_)
        for mode, writers in plan_[shift:] + plan_[:shift]:
            set_synchronous_commit(cluster, mode != SYNC_OFF)
            pool.renice(19 if mode == NICE_WRITERS else 0)
            kind = {SYNC_OFF: "append", NICE_WRITERS: "order"}.get(mode, mode)
            result = measure(pool, cluster, DATABASE, kind, writers, seconds)
            runs[(mode, writers)].append(result)
            print(
                f"[bench] append-ceiling round {round_no + 1}/{count} {mode:6} {writers:3} "
                f"writers: {result.rate:7.1f}/s p99 {result.p(99):6.1f} ms, append call "
                f"{result.append_call_ms:.2f} ms, WAL write+flush "
                f"{result.wal_write_ms + result.wal_sync_ms:.2f} ms "
                f"({result.wal_syncs:.2f} syncs), {result.cores_busy:.2f} cores busy",
                flush=True,
            )
    set_synchronous_commit(cluster, True)
    pool.renice(0)
    return runs


def set_synchronous_commit(cluster: PrivateCluster, on: bool) -> None:
    value = "on" if on else "off"
    cluster.execute("postgres", f"ALTER SYSTEM SET synchronous_commit = {value}")
    cluster.query("postgres", "SELECT pg_reload_conf()")


def rows(runs: dict[tuple[str, int], list[Run]]) -> list[dict]:
    result = []
    for (mode, writers), series in runs.items():
        if mode in (SYNC_OFF, NICE_WRITERS):
            continue
        unit = "appends/s" if mode == "append" else "orders/s"
        rates = [r.rate for r in series]
        label = f"{mode}, {writers_label(writers)}: throughput"
        if writers == _writers[0]:
            result.append(row(SCENARIO, label, median(rates), unit, runs=rates))
        else:  # against the fewest writers of the same mode, round by round
            single = [r.rate for r in runs[(mode, _writers[0])]]
            throughput = row(
                SCENARIO, label, median(rates), unit,
                baseline=median(single), runs=rates, baseline_runs=single,
            )  # fmt: skip
            result.append(with_round_ratios(throughput, rates, single, None))
        result += detail_rows(mode, writers, series)
    result += lock_rows(runs)
    result[0]["commands"] = [
        f"python -m bench append-ceiling --writers {','.join(map(str, _writers))}"
    ]
    return result
