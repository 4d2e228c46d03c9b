"""The read replicas' settings: DATABASE_REPLICA_URLS becomes one Django database alias per
replica (`replica_1`, `replica_2`, ...) shaped like `default`, and REPLICA_MAX_LAG_SECONDS is
checked. A bad value refuses to start with the entry it is about. Imported by settings.py
only; plain Python and dj_database_url.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import dj_database_url

POSTGRES_ENGINES = ("django.db.backends.postgresql", "aforro_backend.postgres_backend")
# libpq's smallest connect_timeout: a replica that does not answer costs a new connection at
# most this, and the request's deadline cuts anything later (docs/decisions/021).
REPLICA_CONNECT_TIMEOUT = 2


def redacted(url: str) -> str:
    """The URL without its password, for an error message."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def parse_replica_urls(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def replica_databases(
    urls: list[str], default: dict[str, Any], statement_timeout_ms: int
) -> dict[str, dict[str, Any]]:
    """One database per URL, with `default`'s engine, options and connection settings, and
    short timeouts: a replica that hangs must never hold a request past its deadline."""
    if urls and default["ENGINE"] not in POSTGRES_ENGINES:
        raise RuntimeError(
            "DATABASE_REPLICA_URLS needs DATABASE_URL to be PostgreSQL: replicas stream from a "
            "PostgreSQL primary (the embedded SQLite mode has none)"
        )
    databases = {}
    for number, url in enumerate(urls, start=1):
        parsed = _parse_postgres_url(url, number)
        database = copy.deepcopy(default)
        for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
            database[key] = parsed[key]
        options = database.setdefault("OPTIONS", {})
        options["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
        timeout = f"-c statement_timeout={statement_timeout_ms}"
        options["options"] = f"{options['options']} {timeout}" if "options" in options else timeout
        # Under tests a replica alias is the default database (no test database of its own).
        database["TEST"] = {"MIRROR": "default"}
        databases[f"replica_{number}"] = database
    return databases


def _parse_postgres_url(url: str, number: int) -> dict[str, Any]:
    where = f"DATABASE_REPLICA_URLS entry {number} ({redacted(url)})"
    try:
        parsed = dj_database_url.parse(url)
    except Exception as error:
        raise RuntimeError(f"{where} is not a database URL: {error!r}") from None
    if parsed["ENGINE"] not in POSTGRES_ENGINES:
        raise RuntimeError(f"{where} is not a PostgreSQL URL (postgres://...)")
    if not parsed["HOST"] or not parsed["NAME"]:
        raise RuntimeError(f"{where} must name a host and a database")
    return parsed


def max_lag_seconds(value: str) -> float:
    """REPLICA_MAX_LAG_SECONDS: a positive number of seconds."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise RuntimeError(
            f"REPLICA_MAX_LAG_SECONDS must be a positive number of seconds, not {value!r}"
        )
    return seconds
