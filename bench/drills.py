"""Fault drills (issue 7): break one dependency of the running service under load and check what
the service promises still holds. Each drill starts its own servers and databases on loopback
ports below 32768 and removes them when it ends, passed or not.

    python -m bench.drills [all|projector-kill|redis|postgres|malformed|partition|confirmations|
                            replica ...]
                           [--report PATH] [--repeat N]

Prints every check with PASS/FAIL and exits 1 if any failed. `all` also writes bench/DRILLS.md.
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; DRILL_POSTGRES_URL moves it), the
PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup; DRILL_PG_BIN) and redis-server on
PATH.
Logs: var/bench/drill-*.log.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .drill_checks import DrillResult

DRILLS = {
    "projector-kill": ("bench.drill_projector", "kill -9 the projector ≥ 10 times under load"),
    "redis": ("bench.drill_redis", "stop Redis (cache + broker) for ~5 s under load"),
    "postgres": ("bench.drill_postgres", "restart PostgreSQL (a temporary cluster) under load"),
    "malformed": ("bench.drill_malformed", "~2,000 malformed requests as fast as possible"),
    "partition": ("bench.drill_partition", "freeze PostgreSQL (SIGSTOP) for ~12 s under load"),
    "confirmations": (
        "bench.drill_confirmations",
        "no Celery worker for ~10 sweep intervals while orders are placed",
    ),
    "replica": (
        "bench.drill_replica",
        "pause, stop and restart the streaming replica the reads use, under load",
    ),
}
DEFAULT_REPORT = Path(__file__).resolve().parent / "DRILLS.md"
# Findings written by hand below this line survive the next run's rewrite of the report.
KEPT = "<!-- Written by hand below this line: kept when the drills rewrite this file. -->"


def run_drill(name: str) -> DrillResult:
    print(f"== {name}: {DRILLS[name][1]}", flush=True)
    started = time.monotonic()
    try:
        result = importlib.import_module(DRILLS[name][0]).run()
    except Exception as error:  # a drill that could not finish is a failed drill
        traceback.print_exc()
        result = DrillResult(name)
        result.check("drill ran to completion", False, f"{type(error).__name__}: {error}")
    result.seconds = time.monotonic() - started
    verdict = "PASS" if result.passed else "FAIL"
    print(f"== {name}: {verdict} in {result.seconds:.0f} s\n", flush=True)
    return result


def markdown(results: list[DrillResult], command: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fault drills",
        "",
        f"`{command}` (or `make drills`), run {when} on the 2-core benchmark machine. Each",
        "drill starts its own database (the PostgreSQL drill: a temporary cluster), its own",
        "redis-server, gunicorn (`-w 2`, sync) and `run_projectors`, drives a bounded load at",
        "it, breaks one thing, checks, and removes everything it started. Logs:",
        "`var/bench/drill-*.log`. `bench/drills.py` lists what each drill does.",
        "",
        "| drill | what breaks | result | time |",
        "|---|---|---|---|",
    ]
    for result in results:
        verdict = "PASS" if result.passed else "**FAIL**"
        lines.append(
            f"| {result.name} | {DRILLS[result.name][1]} | {verdict} | {result.seconds:.0f} s |"
        )
    for result in results:
        lines += ["", f"## {result.name}", "", "| check | result | evidence |", "|---|---|---|"]
        for check in result.checks:
            evidence = check.detail.replace("|", "\\|")
            lines.append(f"| {check.name} | {'PASS' if check.passed else 'FAIL'} | {evidence} |")
        if result.notes:
            lines += [""] + [f"- {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def write_report(path: Path, generated: str) -> None:
    old = path.read_text() if path.exists() else ""
    kept = old[old.index(KEPT) :] if KEPT in old else KEPT + "\n"
    path.write_text(generated + "\n" + kept)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.drills",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(f"  {n:15} {d}" for n, (_, d) in DRILLS.items()),
    )
    # Python 3.11's argparse checks an empty nargs="*" against `choices` as one value and
    # refuses it whatever the default: the names are checked below instead.
    parser.add_argument(
        "drills", nargs="*", metavar="drill", help=f"all (default), {', '.join(DRILLS)}"
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="write the results as Markdown here (default with `all`: bench/DRILLS.md)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run the drills N times (flaky races)"
    )
    args = parser.parse_args(argv)
    args.drills = args.drills or ["all"]
    unknown = set(args.drills) - {"all", *DRILLS}
    if unknown:
        parser.error(f"unknown drill(s): {', '.join(sorted(unknown))}")
    # SIGTERM unwinds like Ctrl-C, so every drill's finally stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = list(DRILLS) if "all" in args.drills else list(dict.fromkeys(args.drills))
    results = [run_drill(name) for _ in range(max(1, args.repeat)) for name in names]
    for result in results:
        print(f"{result.name:15} {'PASS' if result.passed else 'FAIL'} {result.seconds:5.0f} s")
    report = args.report or (DEFAULT_REPORT if "all" in args.drills else None)
    if report is not None:
        command = "python -m bench.drills " + " ".join(argv or ["all"])
        write_report(report, markdown(results, command))
        print(f"results written to {report}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
