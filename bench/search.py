"""Search and suggest latency over 100k products: server-side time of the selectors (no HTTP,
no cache), for 20 representative queries, on PostgreSQL."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from .measure_env import PYTHON, ROOT, fresh_database, percentile, run_measurement, setup_django

DATABASE = "aforro_bench_search"
SEARCHES = [
    "q=milk",
    "q=mlik",
    "q=brown bread",
    "q=tea",
    "q=choclate",
    "q=cheese&sort=price",
    "q=organic&category=dairy",
    "q=rice&min_price=1&max_price=5",
    "q=chicken&store_id=1",
    "q=coffee&in_stock=true",
    "q=juice&store_id=2&in_stock=true",
    "q=pasta&sort=-price",
    "q=yogurt&page=2",
    "q=wine",
    "q=shampoo",
    "category=bakery&sort=newest",
    "min_price=10&sort=price",
    "store_id=3&in_stock=false",
    "q=frozen pizza",
    "q=bananna",
]
SUGGESTS = [
    "mil",
    "bre",
    "cho",
    "chee",
    "tea",
    "mlik",
    "choclate",
    "orga",
    "past",
    "yog",
    "coff",
    "jui",
    "sham",
    "froz",
    "rice",
    "bana",
    "sal",
    "wat",
    "oat",
    "egg",
]


def measure(repeats: int) -> dict:
    setup_django()
    from django.http import QueryDict

    from api.query_params import search_params
    from query_side.search.lexicon import current_lexicon
    from query_side.selectors.product_search import product_search
    from query_side.selectors.suggest import product_suggestions

    current_lexicon()  # built once per catalog change, not per request
    search_ms, suggest_ms, per_query = [], [], {}
    for query in SEARCHES:
        params = search_params(QueryDict(query))
        product_search(params)  # warm the plan cache
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            product_search(params)
            samples.append((time.perf_counter() - started) * 1000)
        per_query[query] = statistics.median(samples)
        search_ms += samples
    for q in SUGGESTS:
        product_suggestions(q)
        for _ in range(repeats):
            started = time.perf_counter()
            product_suggestions(q)
            suggest_ms.append((time.perf_counter() - started) * 1000)
    return {
        "search_p50": percentile(search_ms, 50),
        "search_p95": percentile(search_ms, 95),
        "suggest_p50": percentile(suggest_ms, 50),
        "suggest_p95": percentile(suggest_ms, 95),
        "slowest": sorted(per_query.items(), key=lambda kv: -kv[1])[:3],
    }


def run(quick: bool = False) -> list[dict]:
    env = fresh_database(DATABASE)
    products = 20_000 if quick else 100_000
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "seed_data",
            "--products",
            str(products),
            "--stores",
            "5",
            "--stock-per-store",
            "2000",
            "--seed",
            "11",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    # A bulk rebuild (it also refreshes the planner statistics, as after any replay).
    subprocess.run(
        [PYTHON, "manage.py", "replay_projections", "catalog", "--batch-size", "5000"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    d = run_measurement("bench.search", env, "5" if quick else "15")
    note = f"{products:,} products, {len(SEARCHES)} searches / {len(SUGGESTS)} prefixes"
    slowest = "; slowest medians: " + ", ".join(f"{q} {ms:.1f}ms" for q, ms in d["slowest"])
    return [
        {
            "scenario": "search",
            "metric": "search p50",
            "value": round(d["search_p50"], 1),
            "unit": "ms",
            "note": note,
        },
        {
            "scenario": "search",
            "metric": "search p95",
            "value": round(d["search_p95"], 1),
            "unit": "ms",
            "target": "< 30 ms",
            "met": d["search_p95"] < 30,
            "note": slowest,
        },
        {
            "scenario": "search",
            "metric": "suggest p50",
            "value": round(d["suggest_p50"], 1),
            "unit": "ms",
        },
        {
            "scenario": "search",
            "metric": "suggest p95",
            "value": round(d["suggest_p95"], 1),
            "unit": "ms",
            "target": "< 10 ms",
            "met": d["suggest_p95"] < 10,
        },
    ]


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure(int(sys.argv[-1]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
