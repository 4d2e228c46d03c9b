"""The two systems under test, prepared once and started lazily per `python -m bench` process:
the event-sourced service ("ours") and the conventional baseline, each with its own database
and Redis database, both served by `gunicorn -w 2` (sync workers, gunicorn.conf.py) with
production-like settings.

Scenario modules call `shared()`; `__main__` calls `close_shared()` after each module, which
stops the processes (the prepared data stays for the next module of the same process).
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections import Counter

import redis

from . import dataset, postgres
from .procs import (
    GUNICORN,
    LOG_DIR,
    PASSTHROUGH,
    PYTHON,
    REPO,
    Background,
    BenchError,
    Gunicorn,
    clean_env,
    free_port,
    run_command,
)

OURS, BASELINE = "ours", "baseline"
OURS_DB, BASELINE_DB = "aforro_bench", "aforro_baseline"
OURS_REDIS, BASELINE_REDIS = "redis://127.0.0.1:6379/9", "redis://127.0.0.1:6379/10"
PORTS = {OURS: 18080, BASELINE: 18090}
SECRET = "bench-only-not-a-secret"
PROJECTIONS = ("catalog", "store_orders")  # the read models; no notifier (no Celery worker here)
ORDER_COUNTS_SQL = {
    OURS: "SELECT status, count(*) FROM read_order GROUP BY status",
    BASELINE: "SELECT status, count(*) FROM shop_order GROUP BY status",
}


def ours_env() -> dict[str, str]:
    return clean_env(
        {
            "DJANGO_SETTINGS_MODULE": "aforro_backend.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET,
            "DATABASE_URL": postgres.database_url(OURS_DB),
            "REDIS_URL": OURS_REDIS,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PROJECTORS_IN_PROCESS": "false",
            "LOG_LEVEL": "WARNING",
            # A load test comes from one IP: per-client throttles would measure the throttle.
            "ORDERS_RATE": "1000000/s",
        }
    )


def baseline_env() -> dict[str, str]:
    return clean_env(
        {
            "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "DJANGO_SECRET_KEY": SECRET,
            "BASELINE_DATABASE_URL": postgres.database_url(BASELINE_DB),
            "BASELINE_REDIS_URL": BASELINE_REDIS,
            "LOG_LEVEL": "WARNING",
        }
    )


def shown_env(env: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in env.items() if k not in PASSTHROUGH)


def env_command(env: dict[str, str], args: list[str]) -> str:
    """The command as a shell line from the repository root, e.g. `env $OURS_ENV python ...`."""
    name = "$OURS_ENV" if "DATABASE_URL" in env else "$BASELINE_ENV"
    shown = [os.path.relpath(a, REPO) if a in (PYTHON, GUNICORN) else a for a in args]
    return f"env {name} {shlex.join(shown)}"


class Systems:
    def __init__(self) -> None:
        self.prepared = False
        self.servers: dict[str, Gunicorn] = {}
        self.projector_process: Background | None = None
        self.setup_commands: list[str] = []
        self.answered_201: Counter[str] = Counter()  # 201s seen by wrk, per system
        # Requests that may have been served without wrk seeing the answer: one per connection
        # in flight when a run stops, plus every socket error or timeout.
        self.unanswered_bound: Counter[str] = Counter()
        self.warmed: set[str] = set()
        self.warm_up_commands: list[str] = []
        self.setup_reported = False

    def prepare(self) -> None:
        """Fresh databases and caches, the same catalog and stock in both systems."""
        if self.prepared:
            return
        started = time.monotonic()
        for name in ("gunicorn-ours", "gunicorn-baseline", "projector"):
            (LOG_DIR / f"{name}.log").unlink(missing_ok=True)
        for db in (OURS_DB, BASELINE_DB):
            postgres.recreate_database(db)
        for url in (OURS_REDIS, BASELINE_REDIS):
            redis.Redis.from_url(url, socket_timeout=5).flushdb()
        steps = [
            (ours_env(), [PYTHON, "manage.py", "migrate", "--noinput", "-v0"]),
            (ours_env(), [PYTHON, "manage.py", "seed_data", *dataset.seed_data_args(), "-v0"]),
            (ours_env(), [PYTHON, "-m", "bench.es_tools", "top-up"]),
            (baseline_env(), [PYTHON, "-m", "django", "migrate", "--noinput", "-v0"]),
            (baseline_env(), [PYTHON, "-m", "django", "seed_baseline"]),
        ]
        for env, args in steps:
            run_command(args, env)
            self.setup_commands.append(env_command(env, args))
        self.prepared = True
        print(f"[bench] both systems seeded in {time.monotonic() - started:.0f} s", flush=True)

    def server(self, name: str) -> Gunicorn:
        self.prepare()
        server = self.servers.get(name)
        if server is None or not server.alive():
            env = ours_env() if name == OURS else baseline_env()
            wsgi = "aforro_backend.wsgi" if name == OURS else "bench.baseline.wsgi"
            ready = "/health/" if name == OURS else "/bare/plain/"
            server = Gunicorn(f"gunicorn-{name}", wsgi, free_port(PORTS[name]), env, ready)
            server.start()
            self.servers[name] = server
        return server

    def server_command(self, name: str) -> str:
        env = ours_env() if name == OURS else baseline_env()
        return env_command(env, self.server(name).args)

    def projector(self) -> Background:
        """`manage.py run_projectors catalog store_orders`, running beside our server."""
        self.prepare()
        if self.projector_process is None or not self.projector_process.alive():
            args = [PYTHON, "manage.py", "run_projectors", *PROJECTIONS]
            self.projector_process = Background("projector", args, ours_env())
            self.projector_process.start()
        return self.projector_process

    def stop_projector(self) -> None:
        if self.projector_process is not None:
            self.projector_process.stop()
            self.projector_process = None

    def projector_command(self) -> str:
        return env_command(ours_env(), [PYTHON, "manage.py", "run_projectors", *PROJECTIONS])

    def commands_once(self) -> list[str]:
        """`commands()` for the first section that asks, nothing for the next ones."""
        if self.setup_reported:
            return []
        self.setup_reported = True
        return self.commands()

    def commands(self) -> list[str]:
        """Shell lines that reproduce the setup: environments, seeding, servers, warm-up."""
        return [
            f"OURS_ENV='{shown_env(ours_env())}'",
            f"BASELINE_ENV='{shown_env(baseline_env())}'",
            *self.setup_commands,
            self.server_command(OURS),
            self.server_command(BASELINE),
            self.projector_command(),
            *self.warm_up_commands,
        ]

    def wait_projections(self, timeout: float = 180) -> float:
        """Block until every read model has folded the whole event store; seconds waited."""
        projector = self.projector()
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not projector.alive():
                raise BenchError(f"projector exited:\n{projector.log_tail()}")
            if self._projections_behind() == 0:
                return time.monotonic() - started
            time.sleep(0.1)
        raise BenchError(f"projections still behind after {timeout:.0f} s")

    def _projections_behind(self) -> int:
        head = postgres.query(
            OURS_DB, "SELECT coalesce(max(notification_id), 0) FROM aforro_events"
        )
        positions = dict(
            postgres.query(
                OURS_DB,
                "SELECT name, position FROM read_projection_checkpoint WHERE name = ANY(%s)",
                (list(PROJECTIONS),),
            )
        )
        return max(head[0][0] - positions.get(name, 0) for name in PROJECTIONS)

    def order_counts(self, name: str) -> Counter[str]:
        """Orders recorded so far by status (ours: from the read model, so wait first)."""
        if name == OURS:
            self.wait_projections()
        db = OURS_DB if name == OURS else BASELINE_DB
        return Counter(dict(postgres.query(db, ORDER_COUNTS_SQL[name])))

    def event_store_stock(self) -> dict[tuple[int, int], int | None]:
        out = run_command([PYTHON, "-m", "bench.es_tools", "stock"], ours_env())
        return {(s, p): q for s, p, q in json.loads(out)}

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        self.stop_projector()


_shared: Systems | None = None


def shared() -> Systems:
    global _shared
    if _shared is None:
        _shared = Systems()
    return _shared


def close_shared() -> None:
    if _shared is not None:
        _shared.close()
