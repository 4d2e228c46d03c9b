"""The rows of the replica-reads benchmark: reads through the replica against reads on the
primary (throughput, latency, CPU per read on each cluster), and the replica's lag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .load import with_round_ratios
from .measure_env import percentile
from .stats import median, row

SCENARIO = "Reads on a replica beside reads on the primary"
NO_ROUTER = (
    "this build has no replica router (DATABASE_REPLICA_URLS is read nowhere): both servers "
    "read from the primary, so these rows compare the primary with itself"
)


def read_rows(replica: Sequence[Any], primary: Sequence[Any], routed: bool) -> list[dict]:
    """`replica`, `primary`: the ReadRuns of each server, in round order."""
    rows = []
    rps, ref_rps = [r.rps for r in replica], [r.rps for r in primary]
    throughput = row(
        SCENARIO, "16 connections: reads/s, through the replica (ref.: on the primary)",
        median(rps), "req/s", baseline=median(ref_rps), runs=rps, baseline_runs=ref_rps,
        note=None if routed else NO_ROUTER,
    )  # fmt: skip
    rows.append(with_round_ratios(throughput, rps, ref_rps, None))
    commands = sorted({r.wrk.command for r in [*replica, *primary]})
    rows[0]["commands"] = commands
    for q in ("50", "99"):
        values, refs = (
            [r.wrk.latency_ms[q] for r in replica],
            [r.wrk.latency_ms[q] for r in primary],
        )
        latency = row(
            SCENARIO, f"p{q} latency", median(values), "ms",
            baseline=median(refs), runs=values, baseline_runs=refs,
        )  # fmt: skip
        rows.append(with_round_ratios(latency, values, refs, None))
    parts = (
        ("primary's PostgreSQL", lambda r: r.primary_cpu_s),
        ("replica's PostgreSQL", lambda r: r.replica_cpu_s),
        ("gunicorn", lambda r: r.web_cpu_s),
    )
    for part, seconds in parts:
        values = [r.per_read_ms(seconds(r)) for r in replica]
        refs = [r.per_read_ms(seconds(r)) for r in primary]
        rows.append(
            row(
                SCENARIO,
                f"CPU per read, {part}",
                median(values),
                "ms",
                baseline=median(refs),
                runs=values,
                baseline_runs=refs,
            )
        )
    rows[-2]["ratio"] = None  # the replica idles when the reads go to the primary: no ratio
    rows[-3]["note"] = (
        "every process of the cluster, the projector's idle polling and the WAL sender "
        "included: the primary's CPU a read costs when reads go to the replica (value) or to "
        "the primary itself (reference). Through the replica, each cache miss still reads the "
        "projection's checkpoint on the primary (decision 021), and with DummyCache every read "
        "is a miss"
    )
    return rows


def lag_rows(lag: dict) -> list[dict]:
    lags, reads = lag["lags_ms"], lag["reads"]
    note = (
        f"{lag['orders_per_s']:.0f} orders/s placed (p99 {lag['order_p99_ms']:.1f} ms each) "
        f"while wrk read {reads.rps:.0f} req/s through the replica; {len(lags)} of "
        f"{lag['samples']} primary samples had new WAL, {lag['unreached']} not yet replayed "
        "when sampling stopped"
    )
    rows = [
        row(SCENARIO, f"replica lag under order load: p{q}", percentile(lags, q), "ms")
        for q in (50, 99)
    ]
    rows[0]["note"] = note
    rows.append(row(SCENARIO, "replica lag under order load: max", max(lags, default=0), "ms"))
    return rows
