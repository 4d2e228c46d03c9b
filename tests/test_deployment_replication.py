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
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench.drill_services import TempCluster, pg_bin, query
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
    if os.geteuid() == 0:
        assignments = [f"{name}={value}" for name, value in env.items()]
        argv = ["runuser", "-u", "postgres", "--", "env", *assignments, *argv]
        env = {}
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )


def run_script(argv: list[str], env: dict[str, str], log: Path) -> None:
    process = as_postgres(argv, env, log)
    assert process.wait(timeout=120) == 0, log.read_text()


def execute(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def wait_until(test, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # not accepting connections yet
            if found := test():
                return found
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:g} s")


@pytest.fixture
def primary() -> Iterator[TempCluster]:
    """A primary as the image leaves it after initdb: local trust, host connections by
    password only; then primary-init.sh, as /docker-entrypoint-initdb.d runs it."""
    root = Path(tempfile.mkdtemp(prefix="aforro-compose-primary-"))
    root.chmod(0o755)
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
    root = Path(tempfile.mkdtemp(prefix="aforro-compose-replica-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "pgdata", free_port(PORTS[0] + 5, 5)
    replica = f"postgresql://postgres@/postgres?host={root}&port={port}"
    first, second = root / "first.log", root / "second.log"
    streaming = "SELECT usename, (SELECT active FROM pg_replication_slots) FROM pg_stat_replication"
    try:
        with replica_service(primary, data, port, first):
            assert wait_until(lambda: query(replica, "SELECT pg_is_in_recovery()")[0][0])
            execute(on_primary, "INSERT INTO marker VALUES (1)")
            assert wait_until(lambda: query(replica, "SELECT count(*) FROM marker")[0][0]) == 1
            assert query(on_primary, streaming) == [("replicator", True)]
        # Stopped: the slot keeps what it has not received; started again: no second copy.
        execute(on_primary, "INSERT INTO marker VALUES (2)")
        with replica_service(primary, data, port, second):
            assert wait_until(lambda: query(replica, "SELECT count(*) FROM marker")[0][0] == 2)
        assert "copying the primary" in first.read_text()
        assert "copying the primary" not in second.read_text()
    finally:
        shutil.rmtree(root, ignore_errors=True)
