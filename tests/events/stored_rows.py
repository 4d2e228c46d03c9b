"""Writing rows into the event store exactly as stored (raw INSERTs, no mapper, no upcasting)."""

from __future__ import annotations

import json
from pathlib import Path

from command_side.context import CommandContext
from tests.conftest import is_postgres

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = "originator_id, originator_version, topic, state"


def fixture_rows(name: str) -> dict[str, list[dict]]:
    return json.loads((FIXTURES / name).read_text())


def insert_rows(ctx: CommandContext, rows: list[dict], snapshots: bool = False) -> None:
    """INSERT `rows` ({originator_id, originator_version, topic, state: JSON text}) as they are."""
    recorder = ctx.app.snapshots.recorder if snapshots else ctx.app.recorder
    values = [
        (r["originator_id"], r["originator_version"], r["topic"], r["state"].encode()) for r in rows
    ]
    table = recorder.events_table_name
    if is_postgres():
        sql = f"INSERT INTO {table} ({COLUMNS}) VALUES (%s, %s, %s, %s)"
        with recorder.datastore.get_connection() as conn:
            conn.cursor().executemany(sql, values)
            conn.commit()
    else:
        sql = f"INSERT INTO {table} ({COLUMNS}) VALUES (?, ?, ?, ?)"
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.executemany(sql, values)


def insert_fixture(ctx: CommandContext, name: str) -> None:
    rows = fixture_rows(name)
    insert_rows(ctx, rows["events"])
    insert_rows(ctx, rows["snapshots"], snapshots=True)
