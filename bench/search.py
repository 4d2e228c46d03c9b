"""Search and suggest through HTTP, at several catalog sizes, with queries the catalog itself
provides (bench/search_queries.py): every word of the vocabulary for search (`q=<word>`), every
3-character prefix of the title words for suggest, the same list at every size.

Each size gets its own fresh database seeded with `seed_data --products N` and the catalog
projection caught up (then VACUUM ANALYZE, as autovacuum would do shortly after), served by
`gunicorn -w 2` with `bench.search_settings` (Django's DummyCache: no answer comes from the read
cache). At 1,000 products the conventional implementation (bench/baseline/shop/search_views.py)
runs on the same catalog, same URLs. Measured:

- 1 connection: every query once per pass, timed by the client (connect to last byte), passes
  of the sizes interleaved; p50/p95/p99 per size and endpoint, 100k ÷ 1k of the p95, the 5
  slowest queries at 100k (p95 of each query over the passes);
- 16 connections: wrk cycling through the same list (lua/paths.lua), req/s, p50, p99; ours ÷
  conventional at 1k.

Any answer but 200 (or a socket error) fails the run.
"""

from __future__ import annotations

import http.client
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import psycopg

from . import postgres
from .load import (
    Measurement,
    compare_rows,
    cpu_rows,
    interleaved,
    plan,
    session_cpu,
    session_cpu_since,
)
from .measure_env import percentile
from .procs import (
    GUNICORN,
    LOG_DIR,
    PYTHON,
    REPO,
    BenchError,
    Gunicorn,
    clean_env,
    free_port,
)
from .procs import run_command as run_checked
from .search_queries import SOURCE_PRODUCTS, QueryList, query_list, source_vocabulary
from .stats import median, row
from .wrk import WrkResult, run_wrk

SCENARIO = "search and suggest"
DEFAULT_SIZES = (1_000, 100_000)
BASELINE_SIZE = 1_000  # the conventional implementation runs at this size only
REPORTED_SIZE = 100_000  # the size of the latency targets
DATABASE_PREFIX = "aforro_bsearch"
REDIS_URL = "redis://127.0.0.1:6379/6"  # set, as deployed; the cache itself is DummyCache
SECRET = "bench-only-not-a-secret"
FIRST_PORT = 18300
CONNECTIONS = 16
PAGE_SIZE = 20
QUICK_QUERIES = 60  # words and prefixes with --quick (the broadest 20 included)
ENDPOINTS = {
    "search": "/api/search/products/?page_size=" + str(PAGE_SIZE) + "&q={}",
    "suggest": "/api/search/suggest/?q={}",
}
TARGETS = {"suggest": 10.0, "search": 20.0}  # p95 ms at 100k products, 1 connection
MAX_GROWTH = 3.0  # p95 at 100k within 3x of 1k
MIN_SUGGEST_RATIO = 1.5  # ours ÷ conventional req/s, 16 connections, 1k products
OURS, CONVENTIONAL = "ours", "conventional"

_sizes: list[int] = list(DEFAULT_SIZES)

NOTES = [
    "Queries derived from the catalog, not picked: for search `q=<word>` for words of the "
    f"vocabulary (titles, categories, descriptions; lower case, accents folded) of the "
    f"{SOURCE_PRODUCTS:,}-product seed catalog (`seed_data --products {SOURCE_PRODUCTS}`, "
    "computed from the seed generator, no database), page_size 20; for suggest the "
    "3-character prefixes of its title words. The same list at every size: at 1,000 products "
    "many words match nothing. With --quick a sample that keeps the 20 broadest.",
    "Served by `gunicorn -w 2` (sync workers, gunicorn.conf.py) with `bench.search_settings`: "
    "the service's settings with Django's DummyCache, so every search misses the read cache "
    "and is built (a real miss also pays one Redis MGET and SET) and the throttles never "
    "count; SUGGEST_RATE/SUGGEST_BURST are raised too. In-process memos of the code measured "
    "(the search lexicon, built once per catalog change) stay warm, as in service.",
    "At 1,000 products and 16 connections, CPU per request from /proc: the gunicorn processes "
    "(master and workers) and the PostgreSQL sessions of the site's database, over each run.",
    "1 connection: the client times each request (connect to last byte, loopback), every "
    "query once per pass in a shuffled order, after one unreported warm-up pass; the passes "
    "of the sizes alternate. 16 connections: wrk -t2, each thread cycling through the list "
    "from its own offset (bench/lua/paths.lua).",
]


def configure(sizes: Sequence[int] | None) -> None:
    """`--sizes` of the command line."""
    if sizes:
        _sizes[:] = list(dict.fromkeys(sizes))


def result_name() -> str:
    """Other sizes than the default are a results entry (and section) of their own."""
    if tuple(_sizes) == DEFAULT_SIZES:
        return "search"
    return "search-" + "-".join(size_label(size) for size in _sizes)


def database(label: str) -> str:
    return f"{DATABASE_PREFIX}_{label}"


def ours_env(db: str) -> dict[str, str]:
    return clean_env(
        {
            "DJANGO_SETTINGS_MODULE": "bench.search_settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET,
            "DATABASE_URL": postgres.database_url(db),
            "REDIS_URL": REDIS_URL,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PROJECTORS_IN_PROCESS": "false",
            "LOG_LEVEL": "WARNING",
            # One client address asks everything: a per-client limit would measure the limit.
            "SUGGEST_RATE": "100000000/min",
            "SUGGEST_BURST": "100000000/10s",
        }
    )


def conventional_env(db: str) -> dict[str, str]:
    return clean_env(
        {
            "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "DJANGO_SECRET_KEY": SECRET,
            "BASELINE_DATABASE_URL": postgres.database_url(db),
            "BASELINE_REDIS_URL": REDIS_URL,
            "LOG_LEVEL": "WARNING",
        }
    )


def size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000:g}k"


@dataclass
class Site:
    """One system at one catalog size: its database and its server."""

    system: str
    size: int
    db: str
    env: dict[str, str]
    server: Gunicorn | None = None
    commands: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.system} {size_label(self.size)}"

    def run(self, args: list[str], timeout: float = 600) -> None:
        run_checked(args, self.env, timeout=timeout)
        shown = [a.replace(PYTHON, "python") for a in args]
        self.commands.append(f"env $ENV_{self.system.upper()}_{self.size} " + " ".join(shown))

    def start(self, port: int) -> None:
        wsgi = "aforro_backend.wsgi" if self.system == OURS else "bench.baseline.wsgi"
        ready = "/api/search/suggest/?q=mil"
        self.server = Gunicorn(f"gunicorn-search-{self.db}", wsgi, free_port(port), self.env, ready)
        (LOG_DIR / f"{self.server.name}.log").unlink(missing_ok=True)
        self.server.start()
        self.commands.append(self.server.command().replace(GUNICORN, "gunicorn"))

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.port


def vacuum_analyze(db: str) -> None:
    with psycopg.connect(postgres.database_url(db), autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM (ANALYZE)")


def projection_behind(db: str) -> int:
    head = postgres.query(db, "SELECT coalesce(max(notification_id), 0) FROM aforro_events")
    done = postgres.query(
        db, "SELECT position FROM read_projection_checkpoint WHERE name = 'catalog'"
    )
    return int(head[0][0]) - (int(done[0][0]) if done else 0)


def prepare_ours(size: int) -> Site:
    site = Site(OURS, size, database(str(size)), {})
    site.env = ours_env(site.db)
    started = time.monotonic()
    print(f"[bench] search: seeding {site.db} ({size:,} products) ...", flush=True)
    postgres.recreate_database(site.db)
    timeout = 600 + size / 100  # ~10 min per million products beyond the fixed part
    site.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"])
    site.run([PYTHON, "manage.py", "seed_data", "--products", str(size), "-v0"], timeout)
    site.run([PYTHON, "manage.py", "run_projectors", "catalog", "--once"], timeout)
    if projection_behind(site.db):
        raise BenchError(f"{site.db}: the catalog projection is behind after --once")
    vacuum_analyze(site.db)
    site.commands.append(f"psql {site.db} -c 'VACUUM (ANALYZE)'")
    print(f"[bench] search: {site.db} ready in {time.monotonic() - started:.0f} s", flush=True)
    return site


def prepare_conventional(size: int) -> Site:
    site = Site(CONVENTIONAL, size, database("baseline"), {})
    site.env = conventional_env(site.db)
    postgres.recreate_database(site.db)
    site.run([PYTHON, "-m", "django", "migrate", "--noinput", "-v0"])
    site.run([PYTHON, "-m", "django", "seed_baseline", "--products", str(size)], 600)
    vacuum_analyze(site.db)
    site.commands.append(f"psql {site.db} -c 'VACUUM (ANALYZE)'")
    return site


def query_paths(queries: QueryList) -> dict[str, list[str]]:
    return {
        "search": [ENDPOINTS["search"].format(quote(w)) for w in queries.search],
        "suggest": [ENDPOINTS["suggest"].format(quote(p)) for p in queries.suggest],
    }


def timed_get(port: int, path: str) -> tuple[float, int]:
    """Milliseconds from connecting to the last byte of the answer, and its status."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return (time.perf_counter() - started) * 1000, response.status
    finally:
        conn.close()


def one_pass(site: Site, paths: list[str], seed: int) -> dict[str, float]:
    """Every path once, in an order shuffled by `seed`; path -> ms. Non-200 fails the run."""
    order = list(paths)
    random.Random(seed).shuffle(order)
    times, failed = {}, []
    for path in order:
        times[path], status = timed_get(site.port, path)
        if status != 200:
            failed.append(f"{status} {path}")
    if failed:
        raise BenchError(f"{site.name}: {len(failed)} answers not 200, e.g. {failed[:3]}")
    return times


@dataclass
class Serial:
    """1-connection passes of one site: per endpoint, one {path: ms} per pass."""

    passes: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def all_ms(self, endpoint: str) -> list[float]:
        return [ms for one in self.passes[endpoint] for ms in one.values()]

    def pass_p(self, endpoint: str, q: float) -> list[float]:
        return [percentile(list(one.values()), q) for one in self.passes[endpoint]]

    def per_query_p95(self, endpoint: str) -> dict[str, float]:
        paths = self.passes[endpoint][0]
        return {p: percentile([one[p] for one in self.passes[endpoint]], 95) for p in paths}


def serial_passes(sites: list[Site], paths: dict[str, list[str]], runs: int) -> dict[str, Serial]:
    """A warm-up pass per site (not kept), then `runs` rounds; each round passes over every
    site, rotating which goes first."""
    results = {site.name: Serial({e: [] for e in paths}) for site in sites}
    for site in sites:
        started = time.monotonic()
        for endpoint_paths in paths.values():
            one_pass(site, endpoint_paths, seed=0)
        print(f"[bench] search: warm-up {site.name} {time.monotonic() - started:.0f} s", flush=True)
    for round_no in range(runs):
        shift = round_no % len(sites)
        for site in [*sites[shift:], *sites[:shift]]:
            started = time.monotonic()
            for endpoint, endpoint_paths in paths.items():
                one = one_pass(site, endpoint_paths, seed=1 + round_no)
                results[site.name].passes[endpoint].append(one)
            found = results[site.name]
            p95s = ", ".join(f"{e} p95 {found.pass_p(e, 95)[-1]:.1f} ms" for e in paths)
            print(
                f"[bench] search: 1 connection, pass {round_no + 1}/{runs}, {site.name}: {p95s} "
                f"({time.monotonic() - started:.0f} s)",
                flush=True,
            )
    return results


def write_paths(endpoint: str, paths: list[str]) -> str:
    """The file wrk cycles through, shuffled: a run too short for the whole list then still
    asks a fair mix (the list itself starts with the broadest words)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    target = LOG_DIR / f"search_paths_{endpoint}.txt"
    shuffled = list(paths)
    random.Random(0).shuffle(shuffled)
    target.write_text("\n".join(shuffled) + "\n")
    return str(target.relative_to(REPO))


def not_ok(result: WrkResult) -> int:
    return result.requests - result.count(200) + result.socket_errors


def concurrent_runs(
    sites: list[Site], paths: dict[str, list[str]], runs: int, seconds: int
) -> dict[str, dict[str, list[Measurement]]]:
    """wrk at 16 connections: per endpoint, the conventional site beside ours at its size."""
    by_name = {site.name: site for site in sites}
    conventional = [s.name for s in sites if s.system == CONVENTIONAL]
    groups = [
        [s.name, *conventional] if s.size == BASELINE_SIZE else [s.name]
        for s in sites
        if s.system == OURS
    ]
    results = {}
    for endpoint, endpoint_paths in paths.items():
        file = write_paths(endpoint, endpoint_paths)

        def one_run(name: str, file: str = file, endpoint: str = endpoint) -> Measurement:
            site = by_name[name]
            args = (f"paths={file}", "threads=2")
            assert site.server is not None
            server_cpu = site.server.cpu_seconds()
            database_cpu = session_cpu(site.db)
            result = run_wrk(
                f"http://127.0.0.1:{site.port}", "paths.lua", CONNECTIONS, seconds, args
            )
            server_cpu = site.server.cpu_seconds() - server_cpu
            database_cpu = session_cpu_since(database_cpu, site.db)
            if not_ok(result):
                raise BenchError(
                    f"{name} {endpoint}: {not_ok(result)} answers not 200 or socket errors: "
                    f"{result.statuses} {result.errors}"
                )
            print(
                f"[bench] search: {endpoint} {name:16} c={CONNECTIONS} {result.rps:8.1f} req/s "
                f"p50 {result.latency_ms['50']:7.1f} ms  p99 {result.latency_ms['99']:7.1f} ms",
                flush=True,
            )
            return Measurement(site.system, result, server_cpu, 0.0, database_cpu)

        results[endpoint] = interleaved(groups, runs, one_run)
    return results


def latency_rows(sizes: list[int], serial: dict[str, Serial]) -> list[dict]:
    rows = []
    for endpoint in ENDPOINTS:
        for size in sizes:
            found = serial[f"{OURS} {size_label(size)}"]
            for q in (50, 95, 99):
                target = TARGETS[endpoint] if q == 95 and size == REPORTED_SIZE else None
                value = percentile(found.all_ms(endpoint), q)
                rows.append(
                    row(
                        SCENARIO,
                        f"{endpoint}, {size:,} products, 1 connection: p{q}",
                        value,
                        "ms",
                        target=f"< {target:g} ms" if target else None,
                        met=value < target if target else None,
                        runs=found.pass_p(endpoint, q),
                    )
                )
                if target:
                    per_pass = found.pass_p(endpoint, q)
                    rows[-1]["noisy"] = min(per_pass) < target <= max(per_pass)
        if {BASELINE_SIZE, REPORTED_SIZE} <= set(sizes):
            rows.append(growth_row(endpoint, serial))
    return rows


def growth_row(endpoint: str, serial: dict[str, Serial]) -> dict:
    small = serial[f"{OURS} {size_label(BASELINE_SIZE)}"]
    large = serial[f"{OURS} {size_label(REPORTED_SIZE)}"]
    small_p95 = percentile(small.all_ms(endpoint), 95)
    large_p95 = percentile(large.all_ms(endpoint), 95)
    ratio = large_p95 / small_p95 if small_p95 else None
    result = row(
        SCENARIO,
        f"{endpoint}, 1 connection: p95 at {REPORTED_SIZE:,} vs {BASELINE_SIZE:,} products",
        large_p95,
        "ms",
        baseline=small_p95,
        target=f"≤ {MAX_GROWTH:g}x of {BASELINE_SIZE:,} products",
        met=ratio is not None and ratio <= MAX_GROWTH,
        runs=large.pass_p(endpoint, 95),
        baseline_runs=small.pass_p(endpoint, 95),
    )
    per_pass = [b / a for a, b in zip(result["baseline_runs"], result["runs"], strict=True) if a]
    result.update(ratio=ratio, ratio_runs=[round(r, 3) for r in per_pass])
    result["noisy"] = bool(per_pass) and min(per_pass) <= MAX_GROWTH < max(per_pass)
    result["note"] = "ratio: of the p95 of all passes; the per-pass ratios in brackets"
    return result


def slowest_rows(serial: Serial, size: int, queries: QueryList) -> list[dict]:
    rows = []
    for endpoint in ENDPOINTS:
        per_query = serial.per_query_p95(endpoint)
        for path, ms in sorted(per_query.items(), key=lambda kv: -kv[1])[:5]:
            query = path.rsplit("q=", 1)[1]
            broad = queries.products_per_word.get(query)
            matched = ""
            if broad:  # counted in the catalog the queries come from, whatever size is measured
                matched = f" (in {broad:,} of the source catalog's {SOURCE_PRODUCTS:,})"
            rows.append(
                row(
                    SCENARIO,
                    f"slowest {endpoint} at {size:,} products: q={query}{matched}, p95",
                    ms,
                    "ms",
                    runs=[one[path] for one in serial.passes[endpoint]],
                )
            )
    return rows


def concurrency_rows(
    found: dict[str, dict[str, list[Measurement]]], sizes: dict[str, int]
) -> list[dict]:
    rows = []
    for endpoint, by_name in found.items():
        conventional = by_name.get(f"{CONVENTIONAL} {size_label(BASELINE_SIZE)}")
        for name, measured in by_name.items():
            if not name.startswith(OURS):
                continue
            label = f"{endpoint}, {sizes[name]:,} products, {CONNECTIONS} connections"
            if conventional and name == f"{OURS} {size_label(BASELINE_SIZE)}":
                target = MIN_SUGGEST_RATIO if endpoint == "suggest" else None
                rows += compare_rows(
                    SCENARIO, label + " vs conventional", measured, conventional, min_ratio=target
                )
                rows += cpu_rows(SCENARIO, label, measured, conventional)
                continue
            rps = [m.rps for m in measured]
            rows.append(row(SCENARIO, f"{label}: throughput", median(rps), "req/s", runs=rps))
            rows[-1]["commands"] = sorted({m.wrk.command for m in measured})
            for q in ("50", "99"):
                values = [m.p(q) for m in measured]
                rows.append(
                    row(SCENARIO, f"{label}: p{q} latency", median(values), "ms", runs=values)
                )
    return rows


def run(quick: bool = False) -> list[dict]:
    settings = plan(quick)
    sizes = list(_sizes)
    print("[bench] search: deriving the query list from the seed catalog ...", flush=True)
    size = QUICK_QUERIES if quick else 0
    queries = query_list(source_vocabulary(), search_size=size, suggest_size=size)
    print(
        f"[bench] search: {len(queries.search)} of {queries.vocabulary_size} words, "
        f"{len(queries.suggest)} of {queries.prefixes_size} prefixes",
        flush=True,
    )
    sites: list[Site] = []
    try:
        for size in sizes:
            sites.append(prepare_ours(size))
        if BASELINE_SIZE in sizes:
            sites.append(prepare_conventional(BASELINE_SIZE))
        for n, site in enumerate(sites):
            site.start(FIRST_PORT + 10 * n)
        paths = query_paths(queries)
        serial = serial_passes(sites, paths, settings.runs)
        concurrent = concurrent_runs(sites, paths, settings.runs, settings.seconds)
    finally:
        for site in sites:
            if site.server is not None:
                site.server.stop()
            postgres.drop_database(site.db)
    rows = latency_rows(sizes, serial)
    big = max(sizes)
    rows += slowest_rows(serial[f"{OURS} {size_label(big)}"], big, queries)
    rows += concurrency_rows(concurrent, {site.name: site.size for site in sites})
    rows[0]["note"] = (
        f"{len(queries.search):,} searches (of {queries.vocabulary_size:,} words) and "
        f"{len(queries.suggest):,} prefixes (of {queries.prefixes_size:,}) per pass; "
        f"{settings.runs} pass(es) per size"
    )
    if result_name() != "search":  # a section apart from the default sizes' one
        for found in rows:
            found["scenario"] = f"{SCENARIO}, {', '.join(f'{n:,}' for n in sizes)} products"
    rows[0]["commands"] = [
        *(f"ENV_{s.system.upper()}_{s.size}='{env_line(s.env)}'" for s in sites),
        *(c for s in sites for c in s.commands),
    ]
    return rows


def env_line(env: dict[str, str]) -> str:
    from .procs import PASSTHROUGH

    return " ".join(f"{k}={v}" for k, v in env.items() if k not in PASSTHROUGH)


if __name__ == "__main__":
    for found_row in run(quick="--quick" in sys.argv):
        print(found_row)
