"""gunicorn settings (`gunicorn -c gunicorn.conf.py aforro_backend.wsgi`), read from the
environment: GUNICORN_BIND (or PORT), GUNICORN_WORKERS, GUNICORN_TIMEOUT,
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE, PROMETHEUS_MULTIPROC_DIR. May import only the
standard library at module level (hooks import inside the function)."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

# Each worker holds its own PostgreSQL connections (Django's, the event store pool of
# EVENT_STORE_POOL_SIZE, the writer-lock session): past 8 workers a default max_connections=100
# runs out once the projectors and Celery take theirs. More workers than that: set the variable.
MAX_DEFAULT_WORKERS = 8


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours a container's cpuset, os.cpu_count() doesn't
    except AttributeError:
        return os.cpu_count() or 1


def default_workers() -> int:
    # Without DATABASE_URL the service runs embedded: SQLite files and the projector thread in
    # the web process, which is a single-process design.
    if not os.environ.get("DATABASE_URL"):
        return 1
    return min(2 * usable_cores() + 1, MAX_DEFAULT_WORKERS)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
workers = env_int("GUNICORN_WORKERS", default_workers())
# Sync workers (GUNICORN_THREADS=1, the default): measured steadier than threaded ones on these
# machines. More threads make them gthread workers (as gunicorn itself would): supported, since
# a worker's threads share one aggregate cache whose entries are never changed in place
# (command_side/cached_repository.py, raced by 16 threads in tests/command_side/
# test_aggregate_cache.py). Async classes (gevent, eventlet) are not: untested (README.md).
# Either way a subclass answers the requests gunicorn refuses by itself in problem+json.
threads = env_int("GUNICORN_THREADS", 1)
worker_class = (
    "api.gunicorn_worker.ProblemJsonThreadWorker"
    if threads > 1
    else "api.gunicorn_worker.ProblemJsonSyncWorker"
)
# gunicorn's maximum (default 4094): request lines up to it reach Django, whose middleware
# answers an over-long path or query string (api/request_limits.py); longer ones the worker does.
limit_request_line = 8190
limit_request_field_size = 8190  # per header (the default, said out loud); over it: 431
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Sync workers close the connection after each response; this applies if the class is changed.
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# Not preloaded: every worker imports the app after the fork and builds its event store
# connection pool (and, in the embedded mode, the projector thread) lazily on first use.
# Connections, pool threads and locks created in the master would not survive fork(): the
# children would share sockets with each other and inherit threads that no longer run.
preload_app = False

# The heartbeat file on a container's overlay filesystem can stall workers; tmpfs doesn't.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# One line per request: client, request line, status, bytes, time taken, <worker pid>, and the
# request id the response echoes (X-Request-ID), to find the request's other log lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms %(p)s request_id=%({x-request-id}o)s'

# Prometheus' multiprocess mode: each worker writes its metrics to files in this directory and
# /metrics sums every worker's (aforro_backend/metrics.py). prometheus_client reads the variable
# when a worker first imports it, so the master sets it before forking any worker.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Set when this master made a private directory: which master owns it (and removes it at exit).
PRIVATE_DIR_OWNER = "AFORRO_METRICS_DIR_OWNER"


def metrics_directory() -> str:
    """The deployment's PROMETHEUS_MULTIPROC_DIR, or a private one for this master: a fresh
    directory under the temp dir, never one another gunicorn could be using."""
    configured = os.environ.get(MULTIPROC_DIR, "").strip()
    if configured and PRIVATE_DIR_OWNER not in os.environ:
        return configured
    # Unset, or a private directory inherited from another master: make our own.
    path = tempfile.mkdtemp(prefix=f"aforro-metrics-{os.getpid()}-")
    os.environ[MULTIPROC_DIR], os.environ[PRIVATE_DIR_OWNER] = path, str(os.getpid())
    return path


def on_starting(server) -> None:
    path = metrics_directory()
    os.makedirs(path, exist_ok=True)
    # Counts of an earlier run would be added to this one's. Only prometheus_client's files:
    # a directory set by mistake to something shared loses nothing else.
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    server.log.info("Prometheus multiprocess metrics in %s", path)


def child_exit(server, worker) -> None:
    """A dead worker's counters stay (its requests happened); its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if os.environ.get(PRIVATE_DIR_OWNER) == str(os.getpid()):
        shutil.rmtree(os.environ[MULTIPROC_DIR], ignore_errors=True)
