"""The compose file's replication scripts (deploy/postgres/) run for real, against private
clusters as the official postgres image would run them: primary-init.sh on a freshly initialised
primary, then replica-entrypoint.sh with an empty data directory. The replica must copy the
primary over the replication role's password (scram: the loopback `trust` lines of initdb are
removed, as a container's address matches none of them), stream through the slot, and start
again from its own data, resuming where it stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench.drill_services import (
    TempCluster,
    as_postgres_user,
    cluster_root,
    give_to_postgres,
    pg_bin,
    query,
    wait_until,
)
from bench.procs import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "deploy" / "postgres"
PORTS = (26350, 26359)  # private ports of these tests
ROLE = {
    "REPLICATION_USER": "replicator",
    "REPLICATION_PASSWORD": "s3cret",
    "REPLICATION_SLOT": "replica",
}


def as_postgres(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `argv` as the postgres OS user (the image's entrypoint switches to it), its output
    in `log` (a pipe nobody reads would fill and stop the server)."""
    # Set by env(1) after the switch: runuser resets some variables (HOME; PATH too where
    # login.defs says ALWAYS_SET_PATH).
    assignments = [f"{name}={value}" for name, value in env.items()]
    with open(log, "ab") as out:
        return subprocess.Popen(
            as_postgres_user(["env", *assignments, *argv]), stdout=out, stderr=subprocess.STDOUT
        )


def run_script(argv: list[str], env: dict[str, str], log: Path) -> None:
    process = as_postgres(argv, env, log)
    assert process.wait(timeout=120) == 0, log.read_text()


def execute(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


@pytest.fixture
def primary() -> Iterator[TempCluster]:
    """A primary as the image leaves it after initdb: local trust, host connections by
    password only; then primary-init.sh, as /docker-entrypoint-initdb.d runs it."""
    root = cluster_root("aforro-compose-primary-")
    cluster = TempCluster(free_port(PORTS[0], PORTS[1] - PORTS[0]), root)
    try:
        cluster.init()
        hba = cluster.data / "pg_hba.conf"
        local = [line for line in hba.read_text().splitlines() if line.startswith("local")]
        hba.write_text("\n".join(local) + "\nhost all all all scram-sha-256\n")
        cluster.start()
        env = {
            **ROLE,
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": "postgres",
            "PGDATA": str(cluster.data),
            "PGHOST": str(root),  # the socket, as the image's temporary init server has it
            "PGPORT": str(cluster.port),
        }
        run_script(["sh", str(SCRIPTS / "primary-init.sh")], env, root / "init.log")
        query(f"{cluster.url}/postgres?host={root}", "SELECT pg_reload_conf()")
        yield cluster
    finally:
        cluster.destroy()


@contextlib.contextmanager
def replica_service(primary: TempCluster, data: Path, port: int, log: Path) -> Iterator[None]:
    """replica-entrypoint.sh in the foreground, as the container runs it; stopped at the end."""
    env = {
        **ROLE,
        "PATH": f"{pg_bin()}:{os.environ['PATH']}",
        "PGDATA": str(data),
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(primary.port),
    }
    argv = [str(SCRIPTS / "replica-entrypoint.sh"), "-p", str(port), "-k", str(data.parent)]
    process = as_postgres([*argv, "-c", "listen_addresses=127.0.0.1"], env, log)
    try:
        yield
    finally:
        if process.poll() is None:
            stop = [str(pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            run_script(stop, {}, log)
        process.wait(timeout=30)


def test_the_replica_entrypoint_copies_the_primary_then_streams_and_resumes_after_a_restart(
    primary,
):
    url = f"postgresql://postgres@127.0.0.1:{primary.port}/postgres"
    with pytest.raises(psycopg.OperationalError, match="password"):  # host: by password now
        query(url, "SELECT 1")
    on_primary = f"{primary.url}/postgres?host={primary.root}"
    execute(on_primary, "CREATE TABLE marker (n int)")
    root = cluster_root("aforro-compose-replica-")
    give_to_postgres(root)  # the entrypoint creates the data directory in it
    data, port = root / "pgdata", free_port(PORTS[0] + 5, 5)
    replica = f"postgresql://postgres@/postgres?host={root}&port={port}"
    first, second = root / "first.log", root / "second.log"
    streaming = "SELECT usename, (SELECT active FROM pg_replication_slots) FROM pg_stat_replication"
    in_recovery = "SELECT pg_is_in_recovery()"

    def marker_rows() -> int:
        return query(replica, "SELECT count(*) FROM marker")[0][0]

    try:
        with replica_service(primary, data, port, first):
            assert wait_until(lambda: query(replica, in_recovery)[0][0], "in recovery")
            execute(on_primary, "INSERT INTO marker VALUES (1)")
            assert wait_until(marker_rows, "the first row replayed") == 1
            assert query(on_primary, streaming) == [("replicator", True)]
        # Stopped: the slot keeps what it has not received; started again: no second copy.
        execute(on_primary, "INSERT INTO marker VALUES (2)")
        with replica_service(primary, data, port, second):
            assert wait_until(lambda: marker_rows() == 2, "the second row replayed")
        assert "copying the primary" in first.read_text()
        assert "copying the primary" not in second.read_text()
    finally:
        shutil.rmtree(root, ignore_errors=True)
