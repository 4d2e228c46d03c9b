"""Event positions (notification ids) of stored events, for answers like "you wrote up to N".

The library returns positions when it saves; this finds them again later, e.g. to answer a
replayed idempotent request with the same body.
"""

from uuid import UUID

from eventsourcing.application import Application


def last_position_of(app: Application, aggregate_id: UUID) -> int | None:
    """The position of the newest stored event of one aggregate, or None if it has none."""
    recorder = app.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    if hasattr(recorder.datastore, "schema"):  # type: ignore[attr-defined]
        sql = f"SELECT max(notification_id) FROM {table} WHERE originator_id = %s"
        with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute(sql, (aggregate_id,)).fetchone()
            return None if row is None else next(iter(row.values()))
    sql = f"SELECT max(rowid) FROM {table} WHERE originator_id = ?"
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, (aggregate_id.hex,))
        row = cursor.fetchone()
        return None if row is None else row[0]


def head_position(app: Application) -> int:
    """The position of the newest event in the store (0 when empty)."""
    return app.recorder.max_notification_id() or 0


def positions_by_version(
    app: Application, aggregate_id: UUID, gt: int = 0, lte: int = 2**62
) -> dict[int, int]:
    """Stored versions of one aggregate in (gt, lte] with the positions they were recorded at."""
    recorder = app.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    where = "originator_id = {p} AND originator_version > {p} AND originator_version <= {p}"
    if hasattr(recorder.datastore, "schema"):  # type: ignore[attr-defined]
        sql = f"SELECT originator_version, notification_id FROM {table} WHERE " + where.format(
            p="%s"
        )
        with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(sql, (aggregate_id, gt, lte)).fetchall()
            return {row["originator_version"]: row["notification_id"] for row in rows}
    sql = f"SELECT originator_version, rowid FROM {table} WHERE " + where.format(p="?")
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, (aggregate_id.hex, gt, lte))
        return {row[0]: row[1] for row in cursor.fetchall()}
