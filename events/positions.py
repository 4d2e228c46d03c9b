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
