"""Contention: 64 wrk connections each ordering 1 unit of the same stock item (store 1,
product 1, stocked for far more than the run can sell), ours against the baseline."""

from __future__ import annotations

from . import dataset
from .invariants import invariant_rows
from .load import compare_rows, cpu_rows, interleaved, measure, plan, warm_up
from .stats import row
from .systems import BASELINE, OURS, shared

SCENARIO = "Contention: 64 clients on one hot item"
SCRIPT = "hot_item.lua"
CONNECTIONS = 64
NOTES = [
    "Both systems serialise the writers of the item: ours with an advisory lock taken before "
    "loading, the expected-version append as the safety net; the baseline with SELECT ... FOR "
    "UPDATE. With 2 sync workers at most 2 orders are in service and the other connections "
    "wait in the listen backlog, so latency ≈ connections ÷ throughput (Little's law): a p99 "
    "under 250 ms at 64 clients needs well over 256 orders/s.",
]
ARGS = (f"store={dataset.ORDER_STORE}", f"product={dataset.HOT_PRODUCT}")


def run(quick: bool) -> list[dict]:
    systems, settings = shared(), plan(quick)
    warm_up(systems, settings)
    before = {system: systems.order_counts(system) for system in (OURS, BASELINE)}
    results = interleaved(
        [[OURS, BASELINE]],
        settings.runs,
        lambda system: measure(
            systems, system, SCRIPT, CONNECTIONS, settings.seconds, ARGS, label="hot item"
        ),
    )
    after = {system: systems.order_counts(system) for system in (OURS, BASELINE)}
    label = f"{CONNECTIONS} clients, 1 unit each"
    rows = compare_rows(
        SCENARIO,
        label,
        results[OURS],
        results[BASELINE],
        "orders/s",
        min_ratio=1.0,
        max_p99_ms=250,
    )
    delta = {s: after[s] - before[s] for s in (OURS, BASELINE)}
    for status in ("CONFIRMED", "REJECTED"):
        rows.append(
            row(
                SCENARIO,
                f"{status.lower()} orders during the runs",
                delta[OURS][status],
                "orders",
                baseline=delta[BASELINE][status],
            )
        )
    busy = sum(m.wrk.count(503) for m in results[OURS])
    rows.append(
        row(
            SCENARIO,
            "503 answers: version-conflict retries exhausted (ours)",
            busy,
            "answers",
            note="writers of one item queue on an advisory lock before loading, so version "
            "conflicts should be rare; CommandContext.conflicts is per worker process and not "
            "exposed, so retries that succeeded are not counted here",
        )
    )
    rows += cpu_rows(SCENARIO, label, results[OURS], results[BASELINE])
    rows += invariant_rows(systems, SCENARIO)
    rows[0]["commands"] = [*systems.commands_once(), *rows[0].get("commands", [])]
    return rows
