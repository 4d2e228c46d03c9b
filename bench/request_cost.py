"""CPU instructions per suggestion, counted by callgrind: a figure the shared two-core box cannot
blur. Wall-clock ratios under wrk move by ±10% from run to run here; an instruction count of
the same code moves by well under 1%.

The search benchmark's 1,000-product catalogs (bench/search.py: ours and the conventional one,
seeded, projected, VACUUM ANALYZEd) serve the suggest paths of its query list. Each system's
WSGI application runs in process (bench/request_cost_child.py) under `valgrind
--tool=callgrind`, once with WARM requests and once with WARM + COUNTED; the difference divided
by COUNTED is its instructions per request (start-up and warm-up cancel out). Counted are the
client process's instructions (Django, DRF, the driver), not PostgreSQL's. Prometheus'
multiprocess mode is on, as under gunicorn.

Beside ours and the conventional implementation: ours through DRF's whole request cycle (the
same URL asked with `Accept: application/json`, which api.direct_json leaves to DRF; it also
pays DRF's full content negotiation, which a client that accepts anything never did), and two
floors from the baseline project: a DRF view answering the same suggest URL with no work at
all, and a plain Django view.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from . import postgres, search
from .procs import LOG_DIR, PYTHON, REPO, BenchError
from .search_queries import query_list, source_vocabulary
from .stats import row

SCENARIO = "Instructions per suggestion (callgrind)"
WARM = 100
COUNTED = 300
QUICK_COUNTED = 100
SYSTEMS = {
    "ours": "ours",
    "negotiated": "ours through DRF's request cycle (Accept: application/json)",
    "conventional": "the conventional implementation",
    "floor": "a DRF view that does nothing (floor)",
    "plain": "a plain Django view (floor)",
}
PLAN = "one callgrind count per system and request count (they repeat to well under 1%)"
REFS = re.compile(r"I\s+refs:\s+([\d,]+)")

NOTES = [
    "Instructions of the web process per GET /api/search/suggest/?q=<prefix> at 1,000 products, "
    "over the 3-character prefixes of the search benchmark's query list: callgrind's count with "
    f"{WARM} + N requests minus the count with {WARM}, divided by N. PostgreSQL's work is not "
    "in it (its CPU per request under wrk is in decision 022). Ours runs with the search "
    "benchmark's settings (DummyCache: every read is built; the throttle counts in it).",
    "Ours as clients that accept anything ask (no Accept header: api.direct_json answers "
    "without DRF's request cycle), and the same requests with `Accept: application/json`, "
    "which go through DRF's whole cycle.",
    "The floors, from the baseline project: `floor/api/search/suggest/` (a DRF APIView returning "
    "the answer's shape with no database or cache) and `bare/plain/` (a plain Django view).",
]


def ensure_valgrind() -> str:
    found = shutil.which("valgrind")
    if found:
        return found
    print("[bench] request-cost: installing valgrind (apt-get) ...", flush=True)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "valgrind"], capture_output=True, text=True
    )
    found = shutil.which("valgrind")
    if done.returncode or not found:
        raise BenchError(f"valgrind is needed and could not be installed: {done.stderr[-500:]}")
    return found


def instructions(valgrind: str, system: str, env: dict, paths: Path, requests: int) -> int:
    out = LOG_DIR / f"callgrind-{system}-{requests}.out"
    args = [
        valgrind,
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        PYTHON,
        "-m",
        "bench.request_cost_child",
        system,
        str(paths),
        str(requests),
    ]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    out.unlink(missing_ok=True)
    found = REFS.search(done.stderr)
    if done.returncode or found is None:
        raise BenchError(f"{system} under callgrind failed: {done.stderr[-800:]}")
    return int(found.group(1).replace(",", ""))


def per_request(valgrind: str, system: str, env: dict, paths: Path, counted: int) -> float:
    """Two counts run side by side (one per core): with WARM and with WARM + counted."""
    with ThreadPoolExecutor(2) as pool:
        base, more = pool.map(
            lambda n: instructions(valgrind, system, env, paths, n), (WARM, WARM + counted)
        )
    value = (more - base) / counted
    print(f"[bench] request-cost: {system:12} {value / 1e6:.3f} M instructions/request", flush=True)
    return value


def run(quick: bool = False) -> list[dict]:
    valgrind = ensure_valgrind()
    counted = QUICK_COUNTED if quick else COUNTED
    queries = query_list(source_vocabulary(), search_size=0, suggest_size=0)
    prefixes = queries.suggest
    ours, conventional = search.prepare_ours(1_000), search.prepare_conventional(1_000)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="aforro-request-cost-") as tmp:
        suggest = [search.ENDPOINTS["suggest"].format(quote(p)) for p in prefixes]
        files = {
            "ours": suggest,
            "negotiated": suggest,
            "conventional": suggest,
            "floor": ["/floor" + p for p in suggest],
            "plain": ["/bare/plain/"],
        }
        try:
            for system, paths in files.items():
                env = dict(ours.env if system in ("ours", "negotiated") else conventional.env)
                metrics = Path(tmp) / f"metrics-{system}"
                metrics.mkdir()
                env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
                listed = Path(tmp) / f"paths-{system}.txt"
                listed.write_text("\n".join(paths) + "\n")
                results[system] = per_request(valgrind, system, env, listed, counted)
        finally:
            postgres.drop_database(ours.db)
            postgres.drop_database(conventional.db)
    rows = []
    for system, label in SYSTEMS.items():
        reference = results["conventional"] if system != "conventional" else None
        rows.append(
            row(
                SCENARIO,
                f"suggest, 1,000 products: {label}",
                results[system] / 1e6,
                "M instructions/request",
                baseline=None if reference is None else reference / 1e6,
            )
        )
    rows[0]["note"] = (
        f"{len(prefixes)} prefixes; {counted} counted requests per system after {WARM}"
    )
    rows[0]["commands"] = [
        f"valgrind --tool=callgrind python -m bench.request_cost_child SYSTEM PATHS {n}"
        for n in (WARM, WARM + counted)
    ]
    return rows


if __name__ == "__main__":
    for found_row in run(quick="--quick" in sys.argv):
        print(found_row)
