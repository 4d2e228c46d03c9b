"""Cached inventory reads: `GET /stores/1/inventory/?page_size=50` of ours against a bare DRF
view returning a cached 50-row list from Redis (the baseline project's /bare/cached-list/),
same gunicorn settings; the baseline's own cached inventory and a plain Django view (the
ceiling) are measured alongside for scale. No writes happen meanwhile: every read is a hit."""

from __future__ import annotations

from .load import (
    compare_rows,
    cpu_rows,
    interleaved,
    measure,
    paired_ratio,
    plan,
    warm_up,
    with_round_ratios,
)
from .procs import BenchError, get_status
from .stats import median, row
from .systems import BASELINE, OURS, shared

SCENARIO = "Cached inventory reads"
CONNECTIONS = 16
NOTES = [
    "Reference: the baseline project's GET /bare/cached-list/ (a DRF APIView returning 50 "
    "inventory rows it keeps in Redis), served by the same gunicorn command. Every read of "
    "every target is a cache hit: nothing writes during the runs.",
]
PAGE = "/stores/1/inventory/?page_size=50"
TARGETS = {  # name -> (system serving it, path)
    "ours": (OURS, PAGE),
    "bare cached list": (BASELINE, "/bare/cached-list/"),
    "baseline inventory": (BASELINE, PAGE),
    "plain view": (BASELINE, "/bare/plain/"),
}


def run(quick: bool) -> list[dict]:
    systems, settings = shared(), plan(quick)
    warm_up(systems, settings)
    systems.wait_projections()
    for system, path in TARGETS.values():
        url = systems.server(system).url + path
        for _ in range(3):  # fill the caches (one miss per worker at most)
            if get_status(url) != 200:
                raise BenchError(f"GET {url} did not answer 200")

    def one_run(name: str):
        system, path = TARGETS[name]
        return measure(
            systems, system, "get.lua", CONNECTIONS, settings.seconds, path=path, label=name
        )

    results = interleaved(
        [["ours", "bare cached list"], ["baseline inventory", "plain view"]], settings.runs, one_run
    )
    ours, bare = results["ours"], results["bare cached list"]
    rows = compare_rows(SCENARIO, f"{CONNECTIONS} clients", ours, bare, min_ratio=0.7)
    rps = {name: [m.rps for m in runs] for name, runs in results.items()}
    medians = {name: median(values) for name, values in rps.items()}
    rows.append(
        row(
            SCENARIO,
            "baseline's cached inventory page: throughput",
            medians["baseline inventory"],
            "req/s",
            baseline=medians["bare cached list"],
            runs=rps["baseline inventory"],
        )
    )
    with_round_ratios(rows[-1], rps["baseline inventory"], rps["bare cached list"], None)
    rows.append(
        row(
            SCENARIO,
            "plain Django JSON view (ceiling): throughput",
            medians["plain view"],
            "req/s",
            runs=rps["plain view"],
            note="ARCHITECTURE.md measured ~6.7k req/s on a quiet box",
        )
    )
    for name in ("ours", "bare cached list"):
        rows.append(
            row(
                SCENARIO,
                f"{name} ÷ plain view (per-round ratio)",
                paired_ratio(rps[name], rps["plain view"]) or 0.0,
                "x",
                note="ARCHITECTURE.md: DRF + 50 rows from Redis ≈ 0.46x the plain view"
                if name == "bare cached list"
                else None,
            )
        )
    rows += cpu_rows(SCENARIO, f"{CONNECTIONS} clients", ours, bare)
    rows[0]["commands"] = [
        *systems.commands_once(),
        *sorted({m.wrk.command for runs in results.values() for m in runs}),
    ]
    return rows
