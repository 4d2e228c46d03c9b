"""The rows of the append-ceiling benchmark beyond throughput: latency, what happens inside the
table lock of each append, and the ceiling that lock implies."""

from __future__ import annotations

from collections.abc import Sequence

from .append_pool import Run
from .stats import median, row

SCENARIO = "Append ceiling (event store, no HTTP)"
SYNC_OFF = "append, synchronous_commit=off"
NICE_WRITERS = "order, writers at nice 19"


def writers_label(writers: int) -> str:
    return f"{writers} writer" + ("s" if writers != 1 else "")


def detail_rows(mode: str, writers: int, series: Sequence[Run]) -> list[dict]:
    label = f"{mode}, {writers_label(writers)}"

    def line(metric: str, values: list[float], unit: str, note: str | None = None) -> dict:
        return row(SCENARIO, f"{label}: {metric}", median(values), unit, runs=values, note=note)

    rows = [
        line("p50 latency", [r.p(50) for r in series], "ms"),
        line("p99 latency", [r.p(99) for r in series], "ms"),
        line(
            "inside the append call (lock wait + insert)",
            [r.append_call_ms for r in series],
            "ms per append",
        ),
        line(
            "WAL write + flush", [r.wal_write_ms + r.wal_sync_ms for r in series], "ms per append"
        ),
        line("WAL syncs", [r.wal_syncs for r in series], "per append"),
        line("WAL written", [r.wal_kib for r in series], "KiB per append"),
        line("full-page images", [r.wal_fpi for r in series], "per append"),
        line("CPU busy (writers + PostgreSQL)", [r.cores_busy for r in series], "cores"),
        line(
            "CPU busy, whole machine (other sessions too)",
            [r.machine_busy for r in series],
            "cores",
        ),
    ]
    if mode == "order":
        rows.append(line("events", [r.events / max(1, r.ops) for r in series], "per order"))
        rows.append(
            line("version conflicts retried", [float(r.conflicts) for r in series], "per run")
        )
    return rows


def lock_held_ms(run: Run) -> float:
    """How long one uncontended append holds the table lock: its call inside PostgreSQL (taking
    the lock, notifying, inserting) and its commit's WAL write and flush, which the lock
    outlasts."""
    return run.append_call_ms + run.wal_write_ms + run.wal_sync_ms


def lock_rows(runs: dict[tuple[str, int], list[Run]]) -> list[dict]:
    """The lock of the single-writer appends, the ceiling it implies against the best one
    measured, and the diagnostics at the highest concurrency."""
    levels = sorted(n for mode, n in runs if mode == "append")
    single, top = runs[("append", levels[0])], runs[("append", levels[-1])]
    held = [lock_held_ms(r) for r in single]
    flush_share = [
        (r.wal_write_ms + r.wal_sync_ms) / lock_held_ms(r) for r in single if lock_held_ms(r)
    ]
    implied = 1000 / median(held) if median(held) else 0.0
    best = max(levels, key=lambda n: median([r.rate for r in runs[("append", n)]]))
    measured = median([r.rate for r in runs[("append", best)]])
    rows = [
        row(
            SCENARIO,
            f"table lock held per append, {writers_label(levels[0])} (call + WAL write and flush)",
            median(held),
            "ms",
            runs=held,
        ),
        row(
            SCENARIO,
            "share of the lock spent writing and flushing WAL",
            median(flush_share) * 100,
            "%",
            runs=[s * 100 for s in flush_share],
        ),
        row(
            SCENARIO,
            f"best measured ({writers_label(best)}) vs 1 ÷ lock held",
            measured,
            "appends/s",
            baseline=implied,
            note="the lock admits one append at a time, so 1 ÷ (lock held by one writer) bounds "
            "appends/s; with concurrency the bound falls: a waiting session must be woken and "
            "scheduled before it inserts, and each flush took longer (WAL write + flush rows)",
        ),
    ]
    if (SYNC_OFF, levels[-1]) in runs:
        off = [r.rate for r in runs[(SYNC_OFF, levels[-1])]]
        on = [r.rate for r in top]
        rows.append(
            row(
                SCENARIO,
                f"{levels[-1]} writers, synchronous_commit=off (diagnostic)",
                median(off),
                "appends/s",
                baseline=median(on),
                runs=off,
                baseline_runs=on,
                note="not a deployment setting (a crash loses the last commits): it shows "
                "what the WAL flush inside the lock costs the ceiling",
            )
        )
    if (NICE_WRITERS, levels[-1]) in runs:
        niced = [r.rate for r in runs[(NICE_WRITERS, levels[-1])]]
        plain = [r.rate for r in runs[("order", levels[-1])]]
        rows.append(
            row(
                SCENARIO,
                f"order, {levels[-1]} writers, writer processes at nice 19 (diagnostic)",
                median(niced),
                "orders/s",
                baseline=median(plain),
                runs=niced,
                baseline_runs=plain,
                note="the writers' Python yields the cores to PostgreSQL, as on a primary of its "
                "own: does the session holding the table lock wait for a core behind them?",
            )
        )
    return rows
