"""seed_data's rate: the default catalog (20 stores, 1,000 products, 300 stocked per store)
appended through the bulk command handlers, on PostgreSQL and on the embedded SQLite mode.
With `--products N` (`configure`), one seed of N products with the projector's lag beside it
instead (bench/seed_scale.py)."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from .measure_env import PYTHON, ROOT, fresh_database

DATABASE = "aforro_bench_seed"
SCRATCH_PREFIX = "aforro-seed-"  # the SQLite runs' files, removed after each seed
RATE = re.compile(r"Appended (\d+) aggregates, (\d+) events in ([\d.]+) s")


_scale: list[int] = []  # --products: the scale mode's product count


def configure(products: int | None) -> None:
    _scale[:] = [products] if products else []


def result_name() -> str:
    """The scale mode's results are a section of their own, beside the default runs'."""
    return "seed-scale" if _scale else "seed"


def seed_once(env: dict[str, str]) -> tuple[int, int, float]:
    try:
        return timed_seed(env)
    finally:
        scratch = env.get("AFORRO_VAR_DIR", "")
        if os.path.basename(scratch).startswith(SCRATCH_PREFIX):  # made by sqlite_env: ours
            shutil.rmtree(scratch, ignore_errors=True)


def timed_seed(env: dict[str, str]) -> tuple[int, int, float]:
    done = subprocess.run(
        [PYTHON, "manage.py", "seed_data"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    aggregates, events, seconds = RATE.search(done.stdout).groups()
    return int(aggregates), int(events), float(seconds)


def sqlite_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["AFORRO_VAR_DIR"] = tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def run(quick: bool = False) -> list[dict]:
    if _scale:
        from . import seed_scale

        return seed_scale.run(_scale[0])
    rows = []
    for backend, make_env in (
        ("PostgreSQL", lambda: fresh_database(DATABASE)),
        ("SQLite", sqlite_env),
    ):
        results = [seed_once(make_env()) for _ in range(1 if quick else 3)]
        rates = [events / seconds for _, events, seconds in results]
        aggregates, events, _ = results[0]
        rows.append(
            {
                "scenario": "seed_data",
                "metric": f"{backend}: events appended per second",
                "value": round(statistics.median(rates)),
                "unit": "events/s",
                "runs": [round(r) for r in rates],
                "note": f"{backend}: {aggregates:,} aggregates, {events:,} events per seed; "
                f"median of {len(rates)} fresh databases",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
