"""A private PostgreSQL cluster for the ceiling benchmarks (append-ceiling, replica-reads).

Cluster-wide statistics (pg_stat_wal, the CPU of every server process) then count this
benchmark's work only, not the other databases of the machine's shared server; it lives in a
temporary directory on the same disk as the shared server's data. `close()` stops and removes
it (call it in finally).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import psycopg

from .drill_services import TempCluster, cluster_root, query, recreate_database
from .procs import tree_cpu_seconds


class PrivateCluster:
    """A TempCluster started with `settings` appended to its postgresql.conf."""

    def __init__(self, name: str, port: int, settings: Mapping[str, str] | None = None) -> None:
        self.cluster = TempCluster(port, cluster_root(f"aforro-{name}-"))
        self.settings = dict(settings or {})

    @property
    def url(self) -> str:
        return self.cluster.url

    def start(self) -> PrivateCluster:
        self.cluster.init()
        write_settings(self.cluster.data / "postgresql.conf", self.settings)
        self.cluster.start()
        return self

    def start_as_standby_of(self, primary: PrivateCluster) -> PrivateCluster:
        """A streaming replica of `primary` (running): its settings are the primary's, copied
        by pg_basebackup, plus this cluster's own."""
        self.cluster.standby_of(primary.cluster)
        write_settings(self.cluster.data / "postgresql.conf", self.settings)
        self.cluster.start()
        return self

    def database(self, name: str) -> str:
        """Create (or recreate) database `name`; its URL."""
        return recreate_database(self.url, name)

    def query(self, database: str, statement: str) -> list[tuple]:
        return query(f"{self.url}/{database}", statement)

    def execute(self, database: str, statement: str) -> None:
        """A statement that returns no rows (ALTER SYSTEM, CHECKPOINT ...)."""
        with psycopg.connect(f"{self.url}/{database}", autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def postmaster_pid(self) -> int:
        return int((self.cluster.data / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """User + system CPU of the postmaster and its live children (every session and the
        background processes): sessions that end in between are not counted, so measure over
        spans where the clients keep their connections."""
        return tree_cpu_seconds(self.postmaster_pid())

    def close(self) -> None:
        self.cluster.destroy()


def write_settings(conf: Path, settings: Mapping[str, str]) -> None:
    if settings:
        with open(conf, "a") as out:
            out.writelines(f"{name} = {value}\n" for name, value in settings.items())
