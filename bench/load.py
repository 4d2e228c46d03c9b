"""One measured wrk run against one system, interleaved runs, and the rows comparing two
series of runs (medians, ratio of medians, targets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import dataset, postgres
from .procs import cpu_seconds
from .stats import median, row
from .systems import BASELINE, BASELINE_DB, OURS, OURS_DB, Systems
from .wrk import WrkResult, run_wrk


@dataclass(frozen=True)
class Plan:
    runs: int
    seconds: int
    warmup_seconds: int


# The warm-up fills what a long-running service has warm (our per-worker aggregate cache and
# catalog view over 1,000 products, PostgreSQL's buffers) for both systems alike.
FULL = Plan(runs=3, seconds=10, warmup_seconds=10)
QUICK = Plan(runs=1, seconds=3, warmup_seconds=2)
_overrides: dict[str, int] = {}


def configure(runs: int | None = None, seconds: int | None = None) -> None:
    """Command-line overrides of the plan (runs per measurement, seconds per run)."""
    _overrides.update({k: v for k, v in {"runs": runs, "seconds": seconds}.items() if v})


def plan(quick: bool) -> Plan:
    base = QUICK if quick else FULL
    return Plan(
        _overrides.get("runs", base.runs),
        _overrides.get("seconds", base.seconds),
        base.warmup_seconds,
    )


@dataclass(frozen=True)
class Measurement:
    system: str
    wrk: WrkResult
    server_cpu_s: float  # gunicorn master + workers during the run
    projector_cpu_s: float  # ours: the projector, from the start of the run until caught up
    database_cpu_s: float  # PostgreSQL sessions of the system's database, same span

    @property
    def rps(self) -> float:
        return self.wrk.rps

    def p(self, percentile: str) -> float:
        return self.wrk.latency_ms[percentile]

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / self.wrk.requests if self.wrk.requests else 0.0


def measure(
    systems: Systems,
    system: str,
    script: str,
    connections: int,
    seconds: int,
    args: tuple[str, ...] = (),
    path: str = "",
    label: str = "",
    projector_running: bool = True,
) -> Measurement:
    """One wrk run. Ours runs with its projector beside it (as deployed) unless
    `projector_running` is False: then the projector is stopped for the run and catches up
    after it, and its CPU is that of the catch-up."""
    server = systems.server(system)
    if system == OURS:
        systems.wait_projections()  # start every run with an idle projector
        if not projector_running:
            systems.stop_projector()
    projector = systems.projector_process if system == OURS else None
    server_cpu, projector_cpu = server.cpu_seconds(), projector.cpu_seconds() if projector else 0
    database = OURS_DB if system == OURS else BASELINE_DB
    database_cpu = session_cpu(database)
    result = run_wrk(server.url + path, script, connections, seconds, args)
    server_cpu = server.cpu_seconds() - server_cpu
    if system == OURS:
        systems.wait_projections()  # restarts a stopped projector
        projector_cpu = systems.projector().cpu_seconds() - projector_cpu
    database_cpu = session_cpu_since(database_cpu, database)
    systems.answered_201[system] += result.count(201)
    systems.unanswered_bound[system] += connections + result.socket_errors
    print(
        f"[bench] {label or script} {system:8} c={connections:<3} {result.rps:8.1f} req/s  "
        f"p50 {result.latency_ms['50']:7.1f} ms  p99 {result.latency_ms['99']:7.1f} ms  "
        f"errors {result.errors}",
        flush=True,
    )
    return Measurement(system, result, server_cpu, projector_cpu, database_cpu)


def session_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL session of `database`."""
    return cpu_seconds(postgres.backend_pids(database))


def session_cpu_since(before: dict[int, float], database: str) -> float:
    """CPU seconds the sessions of `database` spent since `before` (session_cpu). A session
    opened since counts from 0; none close meanwhile (persistent connections)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in session_cpu(database).items())


def warm_up(systems: Systems, settings: Plan, names: tuple[str, ...] = (OURS, BASELINE)) -> None:
    """Once per process and system: imports, connection pools, our aggregate cache and
    catalog view, PostgreSQL's buffers, warmed by orders walking through every product in
    turn (not reported). `names`: the systems a scenario uses."""
    args = (f"store={dataset.ORDER_STORE}", f"products={dataset.SIZES.products}", "sequential=1")
    for system in names:
        if system not in systems.warmed:
            done = measure(
                systems, system, "orders.lua", 16, settings.warmup_seconds, args, label="warm-up"
            )
            systems.warmed.add(system)
            systems.warm_up_commands.append(f"{done.wrk.command}  # warm-up, not reported")


def interleaved(
    groups: Sequence[Sequence[str]], runs: int, one_run: Callable[[str], Measurement]
) -> dict[str, list[Measurement]]:
    """`runs` rounds; each round runs every group in turn, the members of a group back to back
    and rotating who goes first. Put the systems compared with each other in one group: their
    runs are then always neighbours in time, so drift on a noisy box hits both alike."""
    results: dict[str, list[Measurement]] = {name: [] for group in groups for name in group}
    for round_no in range(runs):
        for group in groups:
            shift = round_no % len(group)
            for name in [*group[shift:], *group[:shift]]:
                results[name].append(one_run(name))
    return results


def round_ratios(values: Sequence[float], references: Sequence[float]) -> list[float]:
    """The ratio of each round's run to the reference's run of the same round."""
    return [v / r for v, r in zip(values, references, strict=False) if r]


def paired_ratio(values: Sequence[float], references: Sequence[float]) -> float | None:
    """Median of the ratios of runs measured side by side (same round)."""
    pairs = round_ratios(values, references)
    return median(pairs) if pairs else None


def with_round_ratios(
    result: dict, values: Sequence[float], references: Sequence[float], threshold: float | None
) -> dict:
    """Set the row's ratio to the median per-round ratio and keep the per-round ratios; a
    verdict whose rounds fall on both sides of `threshold` is flagged as noisy."""
    ratios = round_ratios(values, references)
    result["ratio"] = median(ratios) if ratios else None
    result["ratio_runs"] = [round(r, 3) for r in ratios]
    if threshold is not None and ratios:
        result["noisy"] = min(ratios) < threshold <= max(ratios)
    return result


def compare_rows(
    scenario: str,
    label: str,
    ours: list[Measurement],
    reference: list[Measurement],
    unit: str = "req/s",
    min_ratio: float | None = None,
    max_p99_ms: float | None = None,
) -> list[dict]:
    """Throughput, p50 and p99 of `ours` against `reference`, with the targets that apply."""
    rps, ref_rps = [m.rps for m in ours], [m.rps for m in reference]
    ratio = paired_ratio(rps, ref_rps) or 0.0
    commands = sorted({m.wrk.command for m in ours + reference})
    rows = [
        row(
            scenario,
            f"{label}: throughput",
            median(rps),
            unit,
            baseline=median(ref_rps),
            target=f"≥ {min_ratio:g}x reference" if min_ratio else None,
            met=ratio >= min_ratio if min_ratio else None,
            runs=rps,
            baseline_runs=ref_rps,
        )
    ]
    with_round_ratios(rows[0], rps, ref_rps, min_ratio)
    rows[0]["commands"] = commands
    for percentile, target in (("50", None), ("99", max_p99_ms)):
        values, ref_values = [m.p(percentile) for m in ours], [m.p(percentile) for m in reference]
        rows.append(
            row(
                scenario,
                f"{label}: p{percentile} latency",
                median(values),
                "ms",
                baseline=median(ref_values),
                target=f"< {target:g} ms" if target else None,
                met=median(values) < target if target else None,
                runs=values,
                baseline_runs=ref_values,
            )
        )
        with_round_ratios(rows[-1], values, ref_values, None)
        if target:
            rows[-1]["noisy"] = min(values) < target <= max(values)
    failed = sum(m.wrk.errors["status"] + m.wrk.socket_errors for m in ours)
    ref_failed = sum(m.wrk.errors["status"] + m.wrk.socket_errors for m in reference)
    rows.append(
        row(scenario, f"{label}: non-2xx answers + socket errors", failed, "", baseline=ref_failed)
    )
    return rows


def cpu_rows(
    scenario: str, label: str, ours: list[Measurement], reference: list[Measurement]
) -> list[dict]:
    """CPU spent per request by each part of each system: where the time goes. Less sensitive
    to other load on the box than throughput."""
    parts = [
        ("gunicorn", lambda m: m.server_cpu_s),
        ("projector", lambda m: m.projector_cpu_s),
        ("PostgreSQL sessions", lambda m: m.database_cpu_s),
        ("all three", lambda m: m.server_cpu_s + m.projector_cpu_s + m.database_cpu_s),
    ]
    rows = []
    for part, seconds in parts:
        value = median([m.cpu_ms_per_request(seconds(m)) for m in ours])
        ref = median([m.cpu_ms_per_request(seconds(m)) for m in reference])
        if part == "projector" and value < 0.05:
            continue  # reads: nothing to project
        rows.append(
            row(
                scenario,
                f"{label}: CPU per request, {part}",
                value,
                "ms",
                baseline=None if part == "projector" else ref,
                note=NOTES.get(part, "").format(ceiling=ref / value if value else 0),
            )
        )
    return rows


NOTES = {
    "projector": "ours only; from the start of each run until the read models caught up",
    "all three": "when the 2 cores are the bottleneck, throughput relative to the reference "
    "can hardly exceed the reference's CPU per request ÷ ours = {ceiling:.2f}x",
}
