"""The writer processes of the append-ceiling benchmark and one measured run of them.

Writers are threads spread over a few processes (`bench/append_writers.py`), as gunicorn
spreads requests over its sync workers: one process per core, so Python's GIL does not cap the
writers below what the cores can do, and threads beyond that, which mostly wait on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .measure_env import percentile
from .private_cluster import PrivateCluster
from .procs import CLOCK_TICKS, LOG_DIR, PYTHON, REPO, BenchError, tree_cpu_seconds

START_MARGIN_S = 0.5  # every process gets the command before the writers start
STATS_FLUSH_S = 0.5  # the writers' sessions publish their statistics (append_writers.py)

STORE_STATS = """
SELECT (SELECT wal_sync FROM pg_stat_wal), (SELECT wal_sync_time FROM pg_stat_wal),
       (SELECT wal_write_time FROM pg_stat_wal),
       coalesce((SELECT sum(calls) FROM pg_stat_user_functions
                 WHERE funcname = 'aforro_append_events'), 0),
       coalesce((SELECT sum(total_time) FROM pg_stat_user_functions
                 WHERE funcname = 'aforro_append_events'), 0),
       (SELECT coalesce(max(notification_id), 0) FROM aforro_events),
       (SELECT wal_bytes FROM pg_stat_wal), (SELECT wal_fpi FROM pg_stat_wal)
"""


@dataclass(frozen=True)
class Run:
    """One measured run: `ops` finished within `seconds`; the server figures are per append."""

    mode: str
    writers: int
    seconds: float
    ops: int
    latencies_ms: list[float]
    conflicts: int
    events: int
    appends: int  # calls of the append function (retried orders append more than once)
    wal_syncs: float
    wal_sync_ms: float
    wal_write_ms: float
    append_call_ms: float  # inside the append function: lock wait + lock + insert
    cores_busy: float  # CPU of the writers and of every PostgreSQL process ÷ wall time
    wal_kib: float  # WAL written per append, every session's (loads write none; hint bits none)
    wal_fpi: float  # full-page images per append: first change of a page after a checkpoint
    machine_busy: float  # every process of the machine (other sessions' work too) ÷ wall time

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


class WriterPool:
    def __init__(self, processes: int, env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        for index in range(processes):
            log = open(LOG_DIR / f"append-ceiling-writers-{index}.log", "w")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [PYTHON, "-m", "bench.append_writers", str(index)],
                    cwd=REPO,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                )
            )
        for index in range(processes):
            self.reply(index)  # {"ready": index}

    def send(self, index: int, command: dict) -> None:
        stdin = self.procs[index].stdin
        assert stdin is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()

    def reply(self, index: int) -> dict:
        stdout = self.procs[index].stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            log = LOG_DIR / f"append-ceiling-writers-{index}.log"
            raise BenchError(f"writer process {index} exited; see {log}")
        return json.loads(line)

    def everyone(self, command: dict) -> list[dict]:
        for index in range(len(self.procs)):
            self.send(index, command)
        return [self.reply(index) for index in range(len(self.procs))]

    def cpu_seconds(self) -> float:
        return sum(tree_cpu_seconds(p.pid) for p in self.procs)

    def renice(self, niceness: int) -> None:
        """The writer processes' priority for the next runs: Linux keeps a nice value per
        thread, and the writer threads a run starts inherit their process's main thread's."""
        for proc in self.procs:
            os.setpriority(os.PRIO_PROCESS, proc.pid, niceness)

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def split(writers: int, processes: int) -> list[int]:
    """Writer threads per process: as even as possible, no process with none when avoidable."""
    used = min(writers, processes)
    return [writers // used + (1 if i < writers % used else 0) for i in range(used)]


def measure(
    pool: WriterPool, cluster: PrivateCluster, database: str, mode: str, writers: int, seconds: int
) -> Run:
    threads = split(writers, len(pool.procs))
    before = cluster.query(database, STORE_STATS)[0]
    cpu_before = pool.cpu_seconds() + cluster.cpu_seconds()
    machine_before = machine_busy_seconds()
    started = time.time()
    until = started + START_MARGIN_S + seconds
    for index, count in enumerate(threads):
        pool.send(index, {"do": "run", "mode": mode, "threads": count, "until": until})
    replies = [pool.reply(index) for index in range(len(threads))]
    wall = time.time() - started
    cpu = pool.cpu_seconds() + cluster.cpu_seconds() - cpu_before
    machine = machine_busy_seconds() - machine_before
    time.sleep(STATS_FLUSH_S)
    after = cluster.query(database, STORE_STATS)[0]
    delta = [float(a) - float(b) for a, b in zip(after, before, strict=True)]
    appends = max(1, int(delta[3]))
    return Run(
        mode=mode,
        writers=writers,
        seconds=seconds,
        ops=sum(r["ops"] for r in replies),
        latencies_ms=[ms for r in replies for ms in r["latencies_ms"]],
        conflicts=sum(r["conflicts"] for r in replies),
        events=int(delta[5]),
        appends=appends,
        wal_syncs=delta[0] / appends,
        wal_sync_ms=delta[1] / appends,
        wal_write_ms=delta[2] / appends,
        append_call_ms=delta[4] / appends,
        wal_kib=delta[6] / 1024 / appends,
        wal_fpi=delta[7] / appends,
        cores_busy=cpu / wall,
        machine_busy=machine / wall,
    )


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent on anything but idling and waiting for I/O (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS
