"""Reads on a streaming replica beside reads on the primary, in the same run, and the replica's
lag under order load (issue 15). Everything on private clusters (bench/replica_stack.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .append_pool import WriterPool
from .load import interleaved, plan
from .measure_env import percentile
from .procs import REPO, BenchError
from .replica_lag import LagSampler, unreached
from .replica_rows import lag_rows, read_rows
from .replica_stack import SEED, ReplicaStack, settings_of
from .wrk import WrkResult, run_wrk

CONNECTIONS = 16
ORDER_THREADS, ORDERS_PER_THREAD_S = 2, 40  # a paced load of ~80 orders/s on the primary
ROUTER_SETTING = "DATABASE_REPLICA_URLS"
NOTES = [
    "A private primary and a streaming replica of it (pg_basebackup -R; initdb defaults, "
    "asynchronous replication) on the same 2 shared cores, a database seeded with "
    f"`seed_data --stores {SEED.stores} --products {SEED.products} --stock-per-store "
    f"{SEED.stock_per_store}`, `run_projectors` on the primary, two `gunicorn -w 2` on the "
    f"primary: one with {ROUTER_SETTING} naming the replica, one without. Both use "
    "bench.search_settings (Django's DummyCache), so every read reaches a database: what a "
    "cache miss costs, the load a replica exists to take.",
    f"Reads: wrk, {CONNECTIONS} connections, every inventory page of every store and searches "
    "of the 40 broadest catalog words, shuffled; runs of the two servers interleave (who goes "
    "first rotates), ratios are medians of the per-round ratios.",
    "On one machine a replica adds no cores: the reads' database work moves from the primary's "
    "processes to the replica's on the same 2 cores, so read throughput cannot grow here. What "
    "a replica buys is measured as CPU: the primary's CPU per read (from /proc, every process "
    "of each cluster), which is the capacity left for appends. On separate machines, read "
    "throughput grows with replicas until the web tier is the limit.",
    f"Lag: while ~{ORDER_THREADS * ORDERS_PER_THREAD_S} orders/s are placed on the primary "
    "(command side in process, no HTTP) and wrk reads through the replica, a sampler asks the "
    "primary for pg_current_wal_lsn() and the replica for pg_last_wal_replay_lsn() every 5 ms: "
    "the lag of each primary sample is the time until the replica had replayed its position "
    "(bench/replica_lag.py; resolution ~5 ms).",
]


@dataclass(frozen=True)
class ReadRun:
    server: str
    wrk: WrkResult
    primary_cpu_s: float
    replica_cpu_s: float
    web_cpu_s: float

    @property
    def rps(self) -> float:
        return self.wrk.rps

    def per_read_ms(self, seconds: float) -> float:
        return 1000 * seconds / max(1, self.wrk.requests)


def router_present() -> bool:
    """Whether the service reads DATABASE_REPLICA_URLS at all (the router of issue 15)."""
    sources = (REPO / "aforro_backend").rglob("*.py")
    return any(ROUTER_SETTING in path.read_text() for path in sources)


def read_run(stack: ReplicaStack, server: str, paths: str, seconds: int) -> ReadRun:
    gunicorn = stack.servers[server]
    before = (stack.primary.cpu_seconds(), stack.replica.cpu_seconds(), gunicorn.cpu_seconds())
    args = (f"paths={paths}", "threads=2")
    result = run_wrk(gunicorn.url, "paths.lua", CONNECTIONS, seconds, args)
    after = (stack.primary.cpu_seconds(), stack.replica.cpu_seconds(), gunicorn.cpu_seconds())
    failed = result.requests - result.count(200) + result.socket_errors
    if failed:
        raise BenchError(f"reads via {server}: {failed} not 200: {result.statuses} {result.errors}")
    run = ReadRun(server, result, *(a - b for a, b in zip(after, before, strict=True)))
    print(
        f"[bench] replica-reads: reads on {server:7} {result.rps:7.1f} req/s "
        f"p99 {result.latency_ms['99']:6.1f} ms, primary CPU "
        f"{run.per_read_ms(run.primary_cpu_s):.2f} ms/read, replica CPU "
        f"{run.per_read_ms(run.replica_cpu_s):.2f} ms/read",
        flush=True,
    )
    return run


def lag_under_orders(stack: ReplicaStack, paths: str, seconds: int) -> dict:
    """Orders paced on the primary, reads through the replica, lag sampled: all at once."""
    pool = WriterPool(1, settings_of(stack.primary_db, None))
    try:
        pool.everyone({"do": "catalog", "stores": SEED.stores, "products": SEED.products})
        sampler = LagSampler(stack.primary_db, stack.replica_db).start()
        started = time.time()
        pool.send(
            0,
            {"do": "run", "mode": "order", "threads": ORDER_THREADS, "until": started + seconds,
             "per_second": ORDERS_PER_THREAD_S},
        )  # fmt: skip
        reads = read_run(stack, "replica", paths, seconds)
        orders = pool.reply(0)
        lags = sampler.stop()
    finally:
        pool.close()
    found = {
        "orders_per_s": orders["ops"] / seconds,
        "order_p99_ms": percentile(orders["latencies_ms"], 99),
        "reads": reads,
        "lags_ms": lags,
        "unreached": unreached(sampler.primary, sampler.replica),
        "samples": len(sampler.primary),
    }
    print(
        f"[bench] replica-reads: lag under {found['orders_per_s']:.0f} orders/s: p50 "
        f"{percentile(lags, 50):.1f} ms, p99 {percentile(lags, 99):.1f} ms over {len(lags)} "
        "samples with writes",
        flush=True,
    )
    return found


def run(quick: bool) -> list[dict]:
    settings = plan(quick)
    stack = ReplicaStack()
    try:
        stack.start()
        paths = stack.paths_file()
        for server in stack.servers:  # warm-up: imports, pools, both clusters' buffers
            read_run(stack, server, paths, settings.warmup_seconds)
        runs = interleaved(
            [list(stack.servers)],
            settings.runs,
            lambda server: read_run(stack, server, paths, settings.seconds),
        )
        lag = lag_under_orders(stack, paths, settings.seconds * 2)
    finally:
        stack.close()
    routed = router_present()
    rows = read_rows(runs["replica"], runs["primary"], routed)
    rows += lag_rows(lag)
    return rows
