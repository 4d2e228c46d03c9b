"""Order placement: random baskets (1-5 distinct products out of 1,000, 1-3 units each) from
16 and 64 wrk connections, ours against the baseline in the same run; then the invariants."""

from __future__ import annotations

from . import dataset
from .invariants import invariant_rows
from .load import (
    Measurement,
    compare_rows,
    cpu_rows,
    interleaved,
    measure,
    plan,
    warm_up,
    with_round_ratios,
)
from .stats import median, row
from .systems import BASELINE, OURS, shared

SCENARIO = "Order placement"
NOTES = [
    "Reference: the conventional baseline (bench/baseline: ORM, SELECT ... FOR UPDATE in id "
    "order, persistent connections) on the same catalog and quantities, same gunicorn "
    "command, measured in the same run.",
    "Ours runs as deployed: gunicorn plus `run_projectors catalog store_orders` beside it "
    "(no notifier: no Celery worker here, and the baseline sends no confirmations either). "
    "ORDERS_RATE is raised so the per-IP order throttle does not cap a load generator that "
    "sends everything from 127.0.0.1; the throttle itself still runs on every order.",
    "The repository's gunicorn.conf.py (if present) applies to both servers alike: it is "
    "read from the working directory; access logs go to var/bench/.",
]
SCRIPT = "orders.lua"
ARGS = (
    f"store={dataset.ORDER_STORE}",
    f"products={dataset.SIZES.products}",
    "max_lines=5",
    "max_qty=3",
)
TARGETS = {16: 1.5, 64: None}  # minimum throughput ratio to the baseline
WEB_TIER_ALONE = "ours, projector stopped"


def run(quick: bool) -> list[dict]:
    systems, settings = shared(), plan(quick)
    warm_up(systems, settings)
    rows = []
    for connections, min_ratio in TARGETS.items():
        groups = [[OURS, BASELINE]] + ([[WEB_TIER_ALONE]] if connections == 16 else [])

        def one_run(name: str, c: int = connections) -> Measurement:
            return measure(
                systems,
                OURS if name == WEB_TIER_ALONE else name,
                SCRIPT,
                c,
                settings.seconds,
                ARGS,
                label="orders" if name != WEB_TIER_ALONE else "orders, projector stopped",
                projector_running=name != WEB_TIER_ALONE,
            )

        results = interleaved(groups, settings.runs, one_run)
        label = f"{connections} clients"
        rows += compare_rows(
            SCENARIO, label, results[OURS], results[BASELINE], "orders/s", min_ratio=min_ratio
        )
        rows += cpu_rows(SCENARIO, label, results[OURS], results[BASELINE])
        if WEB_TIER_ALONE in results:
            rows += web_tier_rows(results[WEB_TIER_ALONE], results[BASELINE])
    rows += invariant_rows(systems, SCENARIO)
    rows[0]["commands"] = [*systems.commands_once(), *rows[0].get("commands", [])]
    return rows


def web_tier_rows(ours: list[Measurement], baseline: list[Measurement]) -> list[dict]:
    """For diagnosis, not a target: ours with the projector stopped during the run (it catches
    up afterwards), interleaved with the runs above."""
    rps, p99 = [m.rps for m in ours], [m.p("99") for m in ours]
    ref_rps, ref_p99 = [m.rps for m in baseline], [m.p("99") for m in baseline]
    rows = [
        row(
            SCENARIO,
            "16 clients, projector stopped during the run: throughput (ours)",
            median(rps),
            "orders/s",
            baseline=median(ref_rps),
            runs=rps,
            note="diagnostic only: the web tier without the projector competing for the 2 "
            "cores; the deployed shape (projector running) is the 16-client row above",
        ),
        row(
            SCENARIO,
            "16 clients, projector stopped: p99 latency (ours)",
            median(p99),
            "ms",
            baseline=median(ref_p99),
            runs=p99,
        ),
    ]
    with_round_ratios(rows[0], rps, ref_rps, None)
    with_round_ratios(rows[1], p99, ref_p99, None)
    return rows
