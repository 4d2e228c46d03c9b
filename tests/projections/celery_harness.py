"""Shared by the notifier tests: the in-process Celery app made eager or pointed at another
broker (restored afterwards), a real `celery worker` subprocess on the test database, and a
throwaway `redis-server` that a test can stop and restart."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email import message_from_string
from email.message import Message
from pathlib import Path
from uuid import UUID

import redis
from kombu import pools
from kombu.utils.collections import eqhash
from redis.backoff import NoBackoff
from redis.retry import Retry

from aforro_backend.celery import app as celery_app

from .workload import subprocess_database_url, wait_until

FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"  # what that backend writes after each message
WORKER_READY_TIMEOUT = 30.0
WORKER_OPTIONS = ["-P", "solo", "-c", "1", "-l", "info"]
WORKER_OPTIONS += ["--without-gossip", "--without-mingle", "--without-heartbeat"]


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run tasks inline where they are enqueued, errors raised (the SQLite run's default)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make `apply_async` in this process publish to `broker_url` (not eagerly), then restore.

    The app caches its connection and producer pools; they are dropped on the way in and out,
    as Celery itself does after a fork, and the pools made for `broker_url` are closed.
    """
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    _drop_cached_pools()
    conf.broker_url, conf.task_always_eager = broker_url, False
    try:
        yield
    finally:
        key = eqhash(celery_app.connection_for_write())
        for group in (pools.producers, pools.connections):
            with suppress(KeyError):
                dict.pop(group, key).force_close_all()
        _drop_cached_pools()
        conf.broker_url, conf.task_always_eager = saved


def _drop_cached_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def purge_task_queue() -> int:
    """Discard the tasks waiting on the app's broker (left by earlier tests or runs)."""
    return celery_app.control.purge()


def queue_binding_lost(broker_url: str) -> bool:
    """True when the binding a worker declares on connecting is gone from the broker: the Redis
    database was flushed (or evicted) since, and the tasks queued with it."""
    with redis.Redis.from_url(broker_url, retry=Retry(NoBackoff(), 0)) as client:
        return not client.exists("_kombu.binding.celery")


def start_celery_worker(log: Path, email_dir: Path, broker_url: str) -> subprocess.Popen:
    """`celery worker` (solo pool) on the test database; emails go to files in `email_dir`."""
    email_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "test-only"),
        "EMAIL_BACKEND": FILE_EMAIL_BACKEND,
        "EMAIL_FILE_PATH": str(email_dir),
        "PGAPPNAME": "aforro-test-celery-worker",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    celery = Path(sys.executable).with_name("celery")
    name = f"aforro-test-{os.getpid()}@%h"
    command = [str(celery), "-A", "aforro_backend", "worker", *WORKER_OPTIONS, "-n", name]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=out, stderr=out
        )
    started = wait_until(
        lambda: " ready." in log_text(log) or process.poll() is not None, WORKER_READY_TIMEOUT
    )
    if not started or process.poll() is not None:
        stop_process(process)
        raise AssertionError(f"the celery worker did not start:\n{log_text(log)[-3000:]}")
    return process


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM (a worker finishes its task and stops), SIGKILL if it lingers; always reaped."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=10)


def log_text(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


def email_files(email_dir: Path) -> list[Path]:
    """The file-based email backend's files: one per connection, named by second and object id."""
    return sorted(email_dir.glob("*.log")) if email_dir.exists() else []


def sent_emails(email_dir: Path) -> list[Message]:
    """Every message in those files. Counted per message, not per file: two sends in the same
    second can reuse a file name (ids of freed objects repeat) and append to one file."""
    messages = []
    for path in email_files(email_dir):
        for chunk in path.read_text().split(MESSAGE_SEPARATOR):
            if chunk.strip():
                messages.append(message_from_string(chunk))
    return messages


def confirmations_per_order(messages: list[Message]) -> Counter[UUID]:
    """Confirmations by the order their subject names ("Order <id> confirmed")."""
    return Counter(UUID(message["Subject"].split()[1]) for message in messages)


def spare_port() -> int:
    """A free port below 32768 (the kernel's range for outgoing ports starts above it)."""
    for _ in range(100):
        port = random.randrange(6391, 9391)
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for a spare redis-server")


class SpareRedis:
    """A redis-server of its own, without persistence: stopping it loses whatever it held."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """No retries: redis-py's default retries a refused connection for seconds."""
        return redis.Redis(
            port=self.port,
            socket_connect_timeout=0.5,
            socket_timeout=2,
            retry=Retry(NoBackoff(), 0),
        )

    def is_up(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=self.log.parent, stdout=out, stderr=subprocess.STDOUT
            )
        if not wait_until(self.is_up, 10.0):
            raise AssertionError(f"redis-server did not start:\n{log_text(self.log)[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        assert not self.is_up()
