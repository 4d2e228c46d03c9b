"""Run a measurement function in a fresh process configured for PostgreSQL + Redis, on its own
freshly migrated database, and collect the JSON it prints. Used by the in-process benchmarks
(history, replay, lag, search), which time the service's own code rather than HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def service_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        REDIS_URL="redis://127.0.0.1:6379/8",
        DJANGO_SECRET_KEY="benchmark-only-" + "x" * 40,
        DJANGO_SECURE_SSL_REDIRECT="false",
        PROJECTORS_IN_PROCESS="false",
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="true",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def fresh_database(database: str) -> dict[str, str]:
    """Drop and recreate `database`, migrate it, and return the environment pointing at it."""
    for cmd in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*cmd, "-h", "127.0.0.1", "-U", "postgres", database], check=True)
    env = service_env(database)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def run_measurement(module: str, env: dict[str, str], *args: str, timeout: float = 900) -> dict:
    """`python -m <module> --measure args...` must print one JSON object as its last line."""
    done = subprocess.run(
        [PYTHON, "-m", module, "--measure", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    sys.stderr.write(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def setup_django() -> None:
    """Inside the measurement process."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
