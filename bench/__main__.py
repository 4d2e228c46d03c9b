"""`python -m bench [all | scenario ...] [--quick]`: run benchmark scenarios, write BENCHMARKS.md.

Every scenario is a module of this package with `run(quick: bool) -> list[dict]` (rows as in
bench/stats.py) and optionally `NOTES` (a list of sentences shown in its section) and
`result_name()` (the results entry it writes, when not the scenario's name). Modules that
do not exist yet are skipped by `all`.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
import traceback
from types import ModuleType

from . import append_ceiling, load, machine, report, search, seed
from .report import now
from .systems import close_shared
from .wrk import ensure_wrk

# name -> module, in the order of BENCHMARKS.md
SCENARIOS = {
    "orders": "bench.orders",
    "contention": "bench.contention",
    "inventory": "bench.inventory",
    "lag": "bench.lag",
    "cancel": "bench.cancel",
    "revision-lag": "bench.revision_lag",
    "replay": "bench.replay",
    "search": "bench.search",
    "request-cost": "bench.request_cost",
    "history": "bench.history",
    "stock-history": "bench.stock_history",
    "seed": "bench.seed",
    "append-ceiling": "bench.append_ceiling",
    "replica-reads": "bench.replica_reads",
}


def scenario_module(name: str) -> ModuleType | None:
    """The scenario's module, or None if it has not been written yet."""
    try:
        return importlib.import_module(SCENARIOS[name])
    except ModuleNotFoundError as error:
        if error.name == SCENARIOS[name]:
            return None
        raise


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the benchmarks of issue 7 and write BENCHMARKS.md (see bench/README.md).",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"all (default) or any of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one short run per measurement (smoke test)"
    )
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3, quick 1)")
    parser.add_argument("--seconds", type=int, help="seconds per wrk run (default 10, quick 3)")
    parser.add_argument(
        "--sizes",
        type=catalog_sizes,
        help="search: catalog sizes, each on its own database (default 1000,100000)",
    )
    parser.add_argument(
        "--products",
        type=product_count,
        help="seed: instead of the default catalogs, seed N products once, with the catalog "
        "projector's lag sampled beside it (e.g. 1000000)",
    )
    parser.add_argument(
        "--writers",
        type=writer_levels,
        help="append-ceiling: concurrent writers to measure, comma separated (default 1,4,16,64)",
    )
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = parser.parse_args(argv)
    args.scenarios = args.scenarios or ["all"]
    unknown = [s for s in args.scenarios if s != "all" and s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    for option, scenario in (
        ("sizes", "search"),
        ("products", "seed"),
        ("writers", "append-ceiling"),
    ):
        if getattr(args, option) and scenario not in args.scenarios:
            parser.error(f"--{option} applies to the {scenario} scenario: name it")
    return args


MAX_PRODUCTS = 10_000_000  # beyond, a seed would take hours on the benchmark machine


def product_count(text: str) -> int:
    """A whole number of products, 1..MAX_PRODUCTS (argparse refuses anything else)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_PRODUCTS:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_PRODUCTS:,}: {text!r}")
    return int(text)


def catalog_sizes(text: str) -> list[int]:
    """Comma-separated product counts, e.g. 1000,100000."""
    return [product_count(part) for part in text.split(",")]


MAX_WRITERS = 128  # a pooled connection and a writer-lock connection each, on a 300-slot cluster


def writer_levels(text: str) -> list[int]:
    """Comma-separated writer counts, 1..MAX_WRITERS, each once, e.g. 1,4,16,64."""
    parts = text.split(",")
    if not all(p.strip().isdigit() and 1 <= int(p) <= MAX_WRITERS for p in parts):
        raise argparse.ArgumentTypeError(f"whole numbers from 1 to {MAX_WRITERS}: {text!r}")
    levels = [int(p) for p in parts]
    if len(set(levels)) != len(levels):
        raise argparse.ArgumentTypeError(f"each level once: {text!r}")
    return sorted(levels)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list:
        for name, module in SCENARIOS.items():
            state = "ready" if scenario_module(name) else "not written yet"
            print(f"{name:12} {module:18} {state}")
        return 0
    load.configure(runs=args.runs, seconds=args.seconds)
    search.configure(args.sizes)
    seed.configure(args.products)
    append_ceiling.configure(args.writers)
    names = list(SCENARIOS) if "all" in args.scenarios else list(dict.fromkeys(args.scenarios))
    ensure_wrk()
    started, started_at = time.monotonic(), now()
    run_facts = {"machine": machine.describe(), "started": started_at}
    run_facts["command"] = shlex.join(["python", "-m", "bench", *argv])
    failures = 0
    for name in names:
        module = scenario_module(name)
        if module is None:
            print(f"[bench] {name}: {SCENARIOS[name]} not written yet, skipped", flush=True)
            failures += name in args.scenarios  # asked for by name: that is an error
            continue
        failures += run_one(name, module, args.quick, run_facts, started, names)
    print(f"[bench] done in {time.monotonic() - started:.0f} s; see BENCHMARKS.md", flush=True)
    return 1 if failures else 0


def run_one(
    name: str, module: ModuleType, quick: bool, run_facts: dict, started: float, order: list
) -> int:
    print(f"[bench] {name} ...", flush=True)
    plan = load.plan(quick)
    entry = {
        "measured": now(),
        "quick": quick,
        # A module that does not time runs (request-cost counts instructions) says its own.
        "plan": getattr(module, "PLAN", f"{plan.runs} run(s) x {plan.seconds} s per measurement")
        + (" (--quick)" if quick else ""),
        "notes": list(getattr(module, "NOTES", [])),
    }
    module_started, load_before = time.monotonic(), machine.load_average()
    failed = 0
    try:
        entry["rows"] = report.normalize_rows(module.run(quick))
    except Exception as error:
        traceback.print_exc()
        entry["error"] = (
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        )
        failed = 1
    finally:
        close_shared()
    entry["seconds"] = round(time.monotonic() - module_started, 1)
    entry["load_average"] = f"{load_before} at start, {machine.load_average()} at the end"
    print(f"[bench] {name} finished in {entry['seconds']:.0f} s", flush=True)
    run_facts["wall"] = f"{time.monotonic() - started:.0f} s so far"
    # A module run in another mode (seed --products) keeps its results apart from the default's,
    # under a name that is no scenario: its section shows the command that ran it.
    result_name = getattr(module, "result_name", lambda: name)()
    if result_name != name:
        entry["command"] = run_facts["command"]
    report.record(result_name, entry, run_facts, SCENARIOS)
    return failed


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    finally:
        close_shared()
