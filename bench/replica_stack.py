"""What the replica-reads benchmark runs on: a private primary and its streaming replica, a
seeded database, the projectors, and two `gunicorn -w 2` servers on the primary, one reading
from the replica (DATABASE_REPLICA_URLS) and one not. `close()` stops and removes all of it."""

from __future__ import annotations

import random
from pathlib import Path

from api.seed_catalog import SeedSizes, build_catalog

from .measure_env import PYTHON
from .private_cluster import PrivateCluster
from .procs import LOG_DIR, REPO, Background, Gunicorn, clean_env, run_command
from .search_queries import catalog_products, query_list, vocabulary

DATABASE = "aforro_replica_reads"
PRIMARY_PORT, REPLICA_PORT = 26210, 26211
HTTP_PORTS = {"primary": 26250, "replica": 26251}
SEED = SeedSizes(stores=4, products=1000, stock_per_store=1000, seed=7)
INVENTORY_PAGE = 100
SEARCH_WORDS = 40


def settings_of(primary_url: str, replica_url: str | None) -> dict[str, str]:
    """The service's settings, every read past the cache (DummyCache: a read of the read tables
    reaches a database each time), throttles out of the way of one load generator."""
    settings = {
        "DJANGO_SETTINGS_MODULE": "bench.search_settings",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DATABASE_URL": primary_url,
        "REDIS_URL": "redis://127.0.0.1:6379/12",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PROJECTORS_IN_PROCESS": "false",
        "LOG_LEVEL": "WARNING",
        "ORDERS_RATE": "100000000/min",
        "SUGGEST_RATE": "100000000/min",
        "SUGGEST_BURST": "100000000/10s",
        "EVENT_STORE_POOL_WAIT_SECONDS": "30",
        "PYTHONPATH": str(REPO),
    }
    if replica_url:
        settings["DATABASE_REPLICA_URLS"] = replica_url
    return clean_env(settings)


def read_paths() -> list[str]:
    """Every inventory page of every store and the broadest words of the catalog's vocabulary
    as searches, shuffled together."""
    pages = -(-SEED.stock_per_store // INVENTORY_PAGE)
    paths = [
        f"/stores/{s}/inventory/?page={p}&page_size={INVENTORY_PAGE}"
        for s in range(1, SEED.stores + 1)
        for p in range(1, pages + 1)
    ]
    words = query_list(vocabulary(catalog_products(build_catalog(SEED))), SEARCH_WORDS, 0).search
    paths += [f"/api/search/products/?page_size=20&q={w}" for w in words]
    random.Random(0).shuffle(paths)
    return paths


class ReplicaStack:
    def __init__(self) -> None:
        self.primary = PrivateCluster("replica-primary", PRIMARY_PORT, {"max_connections": "200"})
        self.replica = PrivateCluster("replica-standby", REPLICA_PORT)
        self.processes: list[Background] = []
        self.servers: dict[str, Gunicorn] = {}
        self.primary_db = self.replica_db = ""

    def start(self) -> None:
        self.primary.start()
        self.primary_db = self.primary.database(DATABASE)
        env = settings_of(self.primary_db, None)
        for args in (
            ["migrate", "--noinput", "-v0"],
            ["seed_data", *seed_options(), "-v0"],
            ["run_projectors", "--once"],
        ):
            print(f"[bench] replica-reads: manage.py {args[0]}", flush=True)
            run_command([PYTHON, "manage.py", *args], env, timeout=600)
        self.primary.execute(DATABASE, "VACUUM (ANALYZE)")
        print("[bench] replica-reads: pg_basebackup -R of the primary", flush=True)
        self.replica.start_as_standby_of(self.primary)
        self.replica_db = f"{self.replica.url}/{DATABASE}"
        self.background("replica-reads-projector", [PYTHON, "manage.py", "run_projectors"], env)
        for name, port in HTTP_PORTS.items():
            replica = self.replica_db if name == "replica" else None
            server = Gunicorn(
                f"replica-reads-{name}", "aforro_backend.wsgi", port,
                settings_of(self.primary_db, replica), "/health/",
            )  # fmt: skip
            server.log_path.unlink(missing_ok=True)
            server.start()
            self.processes.append(server)
            self.servers[name] = server

    def background(self, name: str, args: list[str], env: dict[str, str]) -> Background:
        process = Background(name, args, env)
        process.log_path.unlink(missing_ok=True)
        process.start()
        self.processes.append(process)
        return process

    def paths_file(self) -> str:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        target = LOG_DIR / "replica_read_paths.txt"
        target.write_text("\n".join(read_paths()) + "\n")
        return str(Path(target).relative_to(REPO))

    def close(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop(timeout=15)
            except Exception as error:  # keep cleaning up the rest
                print(f"  cleanup: stopping {process.name} failed: {error!r}", flush=True)
        for cluster in (self.replica, self.primary):
            try:
                cluster.close()
            except Exception as error:
                print(f"  cleanup: removing a cluster failed: {error!r}", flush=True)


def seed_options() -> list[str]:
    return [
        "--stores", str(SEED.stores), "--products", str(SEED.products),
        "--stock-per-store", str(SEED.stock_per_store), "--seed", str(SEED.seed),
    ]  # fmt: skip
