"""What a fault drill starts for itself: a throwaway redis-server, a temporary PostgreSQL cluster
or a fresh database on the main one, and the service's processes (gunicorn, run_projectors, a
Celery worker) pointed at them. `Stack.close()` stops and removes all of it (call it in finally).

Processes are the benchmarks' `procs.Background` (own session, ended by process group id, logs
in var/bench/drill-*.log); everything listens on 127.0.0.1, on ports below 32768.

TempCluster (with its replay pause and catch-up wait) and the helpers it runs on (the postgres
OS user under root, `wait_until`) serve the benchmarks' private clusters and the replica tests
too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import redis
from psycopg import sql

from .procs import LOG_DIR, PYTHON, Background, BenchError, Gunicorn, clean_env, run_command

MAIN_SERVER = os.environ.get("DRILL_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CELERY = str(Path(PYTHON).parent / "celery")
SEED = ("seed_data", "--stores", "2", "--products", "50", "--stock-per-store", "50", "-v0")


def pg_bin() -> Path:
    """The PostgreSQL server binaries (initdb, pg_ctl): DRILL_PG_BIN, else the newest installed."""
    if os.environ.get("DRILL_PG_BIN"):
        return Path(os.environ["DRILL_PG_BIN"])

    def major(initdb: Path) -> int:  # /usr/lib/postgresql/<major>/bin/initdb
        version = initdb.parts[-3].split(".")[0]
        return int(version) if version.isdigit() else 0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=major)
    if found:
        return found[-1].parent
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def query(url: str, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(statement, params).fetchall()


def recreate_database(server_url: str, name: str) -> str:
    """Drop (disconnecting its sessions) and create `name`; its URL."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=5) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=5) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


class RedisServer(Background):
    """A redis-server of the drill's own; `persistent` keeps an append-only file in `directory`
    (as the compose file does), so queued Celery tasks survive a restart."""

    def __init__(self, name: str, port: int, directory: Path, persistent: bool) -> None:
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes" if persistent else "no", "--dir", str(directory)]
        super().__init__(name, args, clean_env({}))
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        super().start()
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.exceptions.RedisError:  # not listening yet, or still loading the AOF
                time.sleep(0.1)
        raise BenchError(f"{self.name} did not answer PING within {timeout:.0f} s")


def as_postgres_user(argv: list[str]) -> list[str]:
    """`argv` run as the `postgres` OS user when we are root: initdb, pg_basebackup and the
    server refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def give_to_postgres(directory: Path) -> None:
    """Under root, make the `postgres` OS user own `directory`, so it can create data there."""
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")


def cluster_root(prefix: str) -> Path:
    """A new temporary directory for a cluster's files."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)  # the postgres OS user (the server runs as it under root) must enter it
    return root


T = TypeVar("T")


def wait_until(test: Callable[[], T], what: str, seconds: float = 30, interval: float = 0.2) -> T:
    """The first true answer of `test`, asked until `seconds` pass (then BenchError). An error
    counts as no: a server that is starting or restarting refuses connections."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if found := test():
                return found
        time.sleep(interval)
    raise BenchError(f"not within {seconds:g} s: {what}")


class TempCluster:
    """A PostgreSQL cluster in a temporary directory, never the machine's main one. initdb and
    the server refuse to run as root: as root, they run as the `postgres` OS user."""

    def __init__(self, port: int, root: Path) -> None:
        self.port, self.root = port, root
        self.data, self.log = root / "pgdata", root / "postgres.log"
        self.running = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = as_postgres_user([str(pg_bin() / args[0]), *args[1:]])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")

    def init(self) -> None:
        give_to_postgres(self.root)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")
        # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1; these
        # let a standby stream from this cluster (the defaults of PostgreSQL 15, said aloud so
        # an older or tuned server behaves the same).
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n")

    def standby_of(self, primary: TempCluster) -> None:
        """Make this cluster a streaming replica of `primary` (running): pg_basebackup -R copies
        its data and writes the standby.signal and primary_conninfo; start() then streams."""
        give_to_postgres(self.root)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast",
            timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def pause_replay(self) -> None:
        """Freeze this standby in time: it keeps receiving WAL but applies none of it."""
        query(f"{self.url}/postgres", "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        query(f"{self.url}/postgres", "SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, primary: TempCluster, seconds: float = 30) -> None:
        """Until this standby has replayed everything `primary` has written so far."""
        (target,) = query(f"{primary.url}/postgres", "SELECT pg_current_wal_lsn()::text")[0]
        replayed = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
        wait_until(
            lambda: query(f"{self.url}/postgres", replayed, (target,))[0][0],
            f"the replica replayed up to {target}",
            seconds,
            interval=0.05,
        )

    def destroy(self) -> None:
        try:
            if self.running or (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Stack:
    """The service of one drill: its settings, the processes it started, and the cleanups of
    everything else it created (run in reverse order by `close`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix=f"aforro-drill-{name}-"))
        self.env: dict[str, str] = {}
        self.database_url = ""
        self._processes: list[Background] = []
        self._cleanups: list[Any] = []
        for old in LOG_DIR.glob(f"drill-{name}-*.log"):
            old.unlink()

    def configure(self, database_url: str, redis_url: str, **extra: str) -> None:
        """Settings of every process: services mode, projectors out of process, tasks eager
        unless `extra` says otherwise, throttling out of the way of the load."""
        self.database_url = database_url
        settings = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_SECRET_KEY": "drill-only-" + "x" * 40,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PROJECTORS_IN_PROCESS": "false",
            "AFORRO_VAR_DIR": str(self.tmp / "var"),
            "LOG_LEVEL": "INFO",
            "ORDERS_RATE": "1000000/min",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        settings.update(extra)
        self.env = clean_env(settings)

    def configure_with_worker_mail(
        self, database_url: str, redis_url: str, emails: Path, **extra: str
    ) -> None:
        """As `configure`, with tasks for a real Celery worker that writes each e-mail as a
        file under `emails`, so a drill can count them."""
        self.configure(
            database_url,
            redis_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(emails),
            **extra,
        )

    def on_close(self, cleanup: Any) -> None:
        self._cleanups.append(cleanup)

    def scratch_database(self, name: str) -> str:
        """A fresh database on the main server for this drill, dropped when the stack closes."""
        url = recreate_database(MAIN_SERVER, name)
        self.on_close(lambda: drop_database(MAIN_SERVER, name))
        return url

    def manage(self, *args: str, timeout: float = 300) -> str:
        return run_command([PYTHON, "manage.py", *args], self.env, timeout)

    def prepare_database(self) -> None:
        """Migrate, seed small, and fold the seed into the read tables."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage(*SEED)
        self.manage("run_projectors", "--once")

    def start(self, process: Background) -> Background:
        self._processes.append(process)
        process.start()
        return process

    def gunicorn(self, port: int) -> Gunicorn:
        server = Gunicorn(
            f"drill-{self.name}-gunicorn", "aforro_backend.wsgi", port, self.env, "/health/"
        )
        return self.start(server)

    def projector(self) -> Background:
        args = [PYTHON, "manage.py", "run_projectors"]
        return self.start(Background(f"drill-{self.name}-projector", args, self.env))

    def celery_worker(self) -> Background:
        args = [CELERY, "-A", "aforro_backend", "worker", "-P", "solo", "-l", "info"]
        return self.start(Background(f"drill-{self.name}-celery", args, self.env))

    def close(self) -> None:
        for process in reversed(self._processes):
            try:
                process.stop(timeout=15)
            except Exception as error:  # keep cleaning up the rest
                print(f"  cleanup: stopping {process.name} failed: {error!r}")
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as error:
                print(f"  cleanup: {getattr(cleanup, '__name__', cleanup)} failed: {error!r}")
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_for_log(process: Background, needle: str, seconds: float, occurrences: int = 1) -> bool:
    """Until `needle` shows `occurrences` times in the process's log, or `seconds` passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.log_path.read_text(errors="replace").count(needle) >= occurrences:
            return True
        if not process.alive():
            return False
        time.sleep(0.1)
    return False
