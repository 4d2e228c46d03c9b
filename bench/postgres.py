"""The PostgreSQL databases of the benchmarks: recreate one, query one (psycopg, no Django)."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from psycopg import sql

# Server of every benchmark database; the database name is appended.
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def database_url(name: str) -> str:
    return f"{SERVER_URL}/{name}"


def recreate_database(name: str) -> None:
    """Drop (disconnecting its sessions) and create an empty database."""
    drop_database(name)
    with psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    """Drop a database if it exists, disconnecting its sessions."""
    with psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def query(name: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url(name), autocommit=True, connect_timeout=5) as conn:
        return conn.execute(statement, params).fetchall()


def server_version() -> str:
    return str(query("postgres", "SHOW server_version")[0][0])


def backend_pids(name: str) -> list[int]:
    """Server processes of the sessions connected to database `name`."""
    rows = query("postgres", "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
    return [pid for (pid,) in rows]
