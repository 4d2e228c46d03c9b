"""Medians, ratios and the result rows every scenario module returns.

A row is a dict: scenario, metric, value, unit, baseline, ratio, target, met (the required
keys), optionally runs (the measured values, in run order), baseline_runs and note. `baseline`
and `ratio` are None when nothing is compared; `target` is a short text ("≥ 1.5x baseline") or
None, `met` True/False or None when there is no target.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def ratio(value: float, baseline: float) -> float | None:
    return value / baseline if baseline else None


def row(
    scenario: str,
    metric: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    target: str | None = None,
    met: bool | None = None,
    runs: Sequence[float] | None = None,
    baseline_runs: Sequence[float] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "scenario": scenario,
        "metric": metric,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio(value, baseline) if baseline is not None else None,
        "target": target,
        "met": met,
    }
    if runs is not None:
        result["runs"] = [round(v, 3) for v in runs]
    if baseline_runs is not None:
        result["baseline_runs"] = [round(v, 3) for v in baseline_runs]
    if note:
        result["note"] = note
    return result
