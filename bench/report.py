"""Results of every scenario module, kept in bench/results.json and rendered to BENCHMARKS.md.

Running one module replaces that module's entry only, so `python -m bench lag` refreshes its
section and leaves the others as they were (each section says when it was measured). Rows are
the dicts described in bench/stats.py; extra optional keys: `commands` (list of command lines
shown under the section) and `note` (shown as a bullet).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .procs import REPO

RESULTS = Path(__file__).resolve().parent / "results.json"
OUTPUT = REPO / "BENCHMARKS.md"
REQUIRED = ("scenario", "metric", "value", "unit", "baseline", "ratio", "target", "met")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def load() -> dict[str, Any]:
    try:
        return json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {"modules": {}}


def record(name: str, entry: dict[str, Any], run: dict[str, Any], order: Iterable[str]) -> None:
    """Store one module's entry and this run's facts, then rewrite BENCHMARKS.md."""
    results = load()
    results.setdefault("modules", {})[name] = entry
    results["run"] = run
    RESULTS.write_text(json.dumps(results, indent=1, default=str) + "\n")
    OUTPUT.write_text(render(results, list(order)))


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if (float(value).is_integer() and abs(value) >= 1) or value == 0:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip() if unit and unit != "x" else text + unit


def met_cell(met: bool | None, noisy: bool = False) -> str:
    verdict = "—" if met is None else ("yes" if met else "**NO**")
    return f"{verdict} (noisy: runs on both sides)" if noisy and met is not None else verdict


def ratio_cell(row: dict[str, Any]) -> str:
    """The ratio, and the range of the per-round ratios behind it when there are several."""
    ratio, rounds = fmt(row.get("ratio"), "x"), row.get("ratio_runs") or []
    if len(rounds) > 1:
        return f"{ratio} ({fmt(min(rounds))} to {fmt(max(rounds))})"
    return ratio


def runs_cell(row: dict[str, Any]) -> str:
    ours = " / ".join(fmt(v) for v in row.get("runs") or [])
    ref = " / ".join(fmt(v) for v in row.get("baseline_runs") or [])
    return f"{ours}; ref. {ref}" if ref else ours


def render(results: dict[str, Any], order: list[str]) -> str:
    run, modules = results.get("run", {}), results.get("modules", {})
    names = [n for n in order if n in modules] + [n for n in modules if n not in order]
    lines = _header(run)
    lines += _targets(modules, names)
    for name in names:
        lines += _module(name, modules[name])
    return "\n".join(lines).rstrip() + "\n"


def _header(run: dict[str, Any]) -> list[str]:
    machine = run.get("machine", {})
    facts = [
        ("CPUs (nproc)", machine.get("nproc")),
        ("CPU model (/proc/cpuinfo)", machine.get("cpu")),
        ("Memory", machine.get("memory")),
        ("Kernel / Python", f"{machine.get('kernel')} / {machine.get('python')}"),
        (
            "PostgreSQL / Redis / wrk",
            f"{machine.get('postgresql')} / {machine.get('redis')} / {machine.get('wrk')}",
        ),
        ("Load average at start (1, 5, 15 min)", machine.get("load_average_start")),
        ("Last run", f"`{run.get('command')}`, {run.get('started')}, {run.get('wall')}"),
    ]
    return [
        "# Benchmarks",
        "",
        "Reproduce everything with `make bench` (= `.venv/bin/python -m bench all`, about 30",
        "minutes on 2 cores); one scenario with `.venv/bin/python -m bench orders` (`--quick` for",
        "a smoke run, `--help` for the rest). Raw numbers: `bench/results.json`. How the harness",
        "works: `bench/README.md`.",
        "",
        "Method: the load generator (wrk, 2 threads) shares the 2 cores with the servers, and the",
        "box runs other work, so absolute figures move. Every figure is the median of the runs",
        "listed beside it. Runs of the systems being compared are interleaved: in every round",
        "they run back to back (who goes first alternates), and a ratio is the median of the",
        "per-round ratios, so it compares runs made side by side; the range of the per-round",
        "ratios follows in brackets. A verdict is marked noisy when its runs fall on both sides",
        "of the target.",
        "",
        "| Machine and run | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in facts],
        "",
    ]


def _targets(modules: dict[str, Any], names: list[str]) -> list[str]:
    lines = [
        "## Targets",
        "",
        "| scenario | metric | value | target | ratio | met |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        for row in modules[name].get("rows", []):
            if row.get("target"):
                lines.append(
                    f"| {row['scenario']} | {row['metric']} | {fmt(row['value'], row['unit'])} "
                    f"| {row['target']} | {ratio_cell(row)} "
                    f"| {met_cell(row['met'], row.get('noisy', False))} |"
                )
        if modules[name].get("error"):
            lines.append(f"| {name} | failed: {modules[name]['error']} | | | | **NO** |")
    return [*lines, ""]


def _module(name: str, entry: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if entry.get("error"):
        return [f"## {name}", "", f"Failed ({entry.get('measured')}): `{entry['error']}`", ""]
    scenarios: dict[str, list[dict[str, Any]]] = {}
    for row in entry.get("rows", []):
        scenarios.setdefault(row["scenario"], []).append(row)
    for scenario, rows in scenarios.items():
        lines += [
            f"## {scenario}",
            "",
            f"_`{entry.get('command') or f'python -m bench {name}'}`, "
            f"measured {entry.get('measured')}, "
            f"{entry.get('plan', '')}, {entry.get('seconds')} s; load average "
            f"{entry.get('load_average', '?')}_",
            "",
            "| metric | value | reference | ratio | target | met | runs (value; ref.) |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows:
            lines.append(
                f"| {row['metric']} | {fmt(row['value'], row['unit'])} "
                f"| {fmt(row.get('baseline'), row['unit'])} | {ratio_cell(row)} "
                f"| {row.get('target') or '—'} "
                f"| {met_cell(row.get('met'), row.get('noisy', False))} | {runs_cell(row)} |"
            )
        notes = [f"- {row['metric']}: {row['note']}" for row in rows if row.get("note")]
        if entry.get("notes"):
            notes = [f"- {n}" for n in entry["notes"]] + notes
        if notes:
            lines += ["", *notes]
        commands = list(dict.fromkeys(c for row in rows for c in row.get("commands", [])))
        if commands:
            lines += ["", "Commands:", "", "```", *commands, "```"]
        lines.append("")
    return lines


def normalize_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every key present (absent optional ones as None); ValueError if a row lacks
    scenario, metric or value."""
    out = []
    for i, row in enumerate(rows):
        missing = [key for key in ("scenario", "metric", "value") if key not in row]
        if missing:
            raise ValueError(f"row {i} ({row.get('metric')!r}) lacks {', '.join(missing)}")
        out.append({**dict.fromkeys(REQUIRED), "unit": "", **row})
    return out
