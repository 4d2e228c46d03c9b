"""A private PostgreSQL primary and a streaming replica of it for the replica tests, never the
machine's shared server: two temporary clusters (bench.drill_services.TempCluster) on ports of
REPLICATION_PORTS, the primary migrated, both stopped and removed afterwards (also on failure).

`replication()` is the context manager; the `replication` fixture in test modules wraps it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from bench.drill_services import TempCluster, cluster_root, query, recreate_database
from bench.procs import clean_env, free_port, run_command

# Ports the replica tests may use (override with REPLICATION_PORTS=first-last).
PORTS = os.environ.get("REPLICATION_PORTS", "26100-26199")
DATABASE = "aforro"


@dataclass
class Replication:
    primary: TempCluster
    replica: TempCluster

    @property
    def primary_url(self) -> str:
        return f"{self.primary.url}/{DATABASE}"

    @property
    def replica_url(self) -> str:
        return f"{self.replica.url}/{DATABASE}"

    def on_primary(self, statement: str, params: tuple = ()) -> list[tuple]:
        return query(self.primary_url, statement, params)

    def on_replica(self, statement: str, params: tuple = ()) -> list[tuple]:
        return query(self.replica_url, statement, params)

    def pause_replay(self) -> None:
        self.replica.pause_replay()

    def resume_replay(self) -> None:
        self.replica.resume_replay()

    def wait_caught_up(self, timeout: float = 30) -> None:
        self.replica.wait_caught_up(self.primary, timeout)


def _ports() -> tuple[int, int]:
    first, _, last = PORTS.partition("-")
    primary = free_port(int(first), int(last) - int(first))
    return primary, free_port(primary + 1, int(last) - primary)


@contextlib.contextmanager
def replication(env: dict[str, str]) -> Iterator[Replication]:
    """A migrated primary and its streaming replica; `env` is the settings of the service's
    processes, with DATABASE_URL pointed at the primary here, for `manage.py migrate`."""
    primary_port, replica_port = _ports()
    primary = TempCluster(primary_port, cluster_root("aforro-replication-primary-"))
    replica = TempCluster(replica_port, cluster_root("aforro-replication-replica-"))
    try:
        primary.init()
        primary.start()
        recreate_database(primary.url, DATABASE)
        pair = Replication(primary, replica)
        migrate_env = clean_env({**env, "DATABASE_URL": pair.primary_url})
        run_command([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], migrate_env)
        replica.standby_of(primary)
        replica.start()
        pair.wait_caught_up()
        yield pair
    finally:
        for cluster in (replica, primary):
            with contextlib.suppress(Exception):
                cluster.destroy()
