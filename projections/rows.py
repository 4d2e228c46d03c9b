"""Writing projector rows as plain tuples with set-based SQL.

Rebuilds were bound by client-side work, not by the database: model instances for every row,
then psycopg parsing one statement with tens of thousands of placeholders. So the projectors
hand tuples to these helpers, and on PostgreSQL each column travels as one array parameter
(`unnest`) of a statement whose text never changes. SQLite gets multi-row VALUES. Values go
through the field's `get_db_prep_save` where the database needs a conversion (JSON; UUIDs,
decimals and datetimes on SQLite), so both backends store exactly what the ORM would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models

# Below SQLite's 32,766 bind parameters per statement.
MAX_PARAMETERS = 30000
NATIVE_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "CharField",
    "IntegerField",
    "PositiveIntegerField",
    "SmallIntegerField",
    "TextField",
}
NATIVE_ON_POSTGRES = NATIVE_TYPES | {"UUIDField", "DateTimeField", "DecimalField"}

Adapter = Callable[[Any], Any] | None


class RowCountMismatch(Exception):
    """An update matched fewer rows than it names: the read model lost a row it relies on."""


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    add: Sequence[str] = (),
) -> None:
    """INSERT rows (tuples in the order of `names`); with `conflict`, upsert: `update` fields
    take the new values, `add` fields (counters) add them to the stored ones."""
    if not rows:
        return
    table = _Table(model, names)
    sql = f"INSERT INTO {table.name} ({', '.join(table.columns)}) "
    if conflict:
        keys = _Table(model, conflict).columns
        sets = [f"{c} = excluded.{c}" for c in _Table(model, update).columns]
        sets += [f"{c} = {table.name}.{c} + excluded.{c}" for c in _Table(model, add).columns]
        tail = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET " + ", ".join(sets)
    else:
        tail = ""
    if table.postgres:
        table.execute(sql + f"SELECT * FROM unnest({table.arrays()})" + tail, rows)
        return
    values = table.adapted(rows)
    group = "(" + ", ".join(["%s"] * len(names)) + ")"
    per_statement = max(1, MAX_PARAMETERS // len(names))
    with table.connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(sql + "VALUES " + ", ".join([group] * len(chunk)) + tail, params)


def update_rows(
    model: type[models.Model], names: Sequence[str], key: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """UPDATE `names` of existing rows found by `key`; each row is (*names values, *key values).

    Every row must exist: a miss raises RowCountMismatch (and the batch rolls back)."""
    if not rows:
        return
    table = _Table(model, [*names, *key])
    changed, keys = table.columns[: len(names)], table.columns[len(names) :]
    if table.postgres:
        aliases = [f"c{i}" for i in range(len(table.columns))]
        sql = (
            f"UPDATE {table.name} AS t SET "
            + ", ".join(f"{c} = v.{a}" for c, a in zip(changed, aliases, strict=False))
            + f" FROM unnest({table.arrays()}) AS v({', '.join(aliases)}) WHERE "
            + " AND ".join(
                f"t.{c} = v.{a}" for c, a in zip(keys, aliases[len(names) :], strict=True)
            )
        )
        updated = table.execute(sql, rows)
    else:
        sql = (
            f"UPDATE {table.name} SET {', '.join(f'{c} = %s' for c in changed)} "
            f"WHERE {' AND '.join(f'{c} = %s' for c in keys)}"
        )
        with table.connection.cursor() as cursor:
            cursor.executemany(sql, table.adapted(rows))
            updated = cursor.rowcount
    if updated != len(rows):
        raise RowCountMismatch(f"{table.name}: updated {updated} of {len(rows)} rows")


class _Table:
    """Quoted names, SQL types and value adapters of some fields of a model."""

    def __init__(self, model: type[models.Model], names: Sequence[str]) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs per access
        self.postgres = self.connection.vendor == "postgresql"
        quote = self.connection.ops.quote_name
        self.fields = [model._meta.get_field(name) for name in names]
        self.name = quote(model._meta.db_table)
        self.columns = [quote(field.column) for field in self.fields]
        native = NATIVE_ON_POSTGRES if self.postgres else NATIVE_TYPES
        self.adapters = [self._adapter(field, native) for field in self.fields]

    def _adapter(self, field: models.Field, native: set[str]) -> Adapter:
        target = getattr(field, "target_field", None) or field
        if target.get_internal_type() in native:
            return None
        connection = self.connection
        return lambda value: field.get_db_prep_save(value, connection)

    def adapted(self, rows: Sequence[Sequence]) -> list[tuple]:
        if not any(self.adapters):
            return [tuple(row) for row in rows]
        pairs = list(zip(self.adapters, range(len(self.adapters)), strict=True))
        return [tuple(adapt(row[i]) if adapt else row[i] for adapt, i in pairs) for row in rows]

    def arrays(self) -> str:
        return ", ".join(f"%b::{field.db_type(self.connection)}[]" for field in self.fields)

    def execute(self, sql: str, rows: Sequence[Sequence]) -> int:
        """PostgreSQL: run `sql` with one array per column, on Django's connection and
        transaction but binding on the server (the statement text stays small and cacheable)."""
        columns = [list(column) for column in zip(*self.adapted(rows), strict=True)]
        self.connection.ensure_connection()
        with psycopg.Cursor(self.connection.connection) as cursor:
            cursor.execute(sql, columns, prepare=True)
            return cursor.rowcount
