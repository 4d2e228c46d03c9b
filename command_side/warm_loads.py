"""Loading several aggregates of one order with one query.

The library's repository fast-forwards a cached aggregate with one query per aggregate; an
order of five lines would pay five round trips. Here every cached aggregate of the order is
brought up to date by a single query for the events after each one's version (PostgreSQL);
aggregates not in the cache go through the repository as usual (snapshot, then the tail).
Both follow one discipline (cached_repository.py): cache entries are never changed in place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from copy import deepcopy
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from .aggregate import Aggregate

if TYPE_CHECKING:  # application.py imports this module
    from .application import OrderingApplication

A = TypeVar("A", bound=Aggregate)

# LATERAL: one primary-key range scan per aggregate (a plain join may hash the whole table).
NEWER_EVENTS_SQL = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
    "FROM unnest(%s::uuid[], %s::bigint[]) AS k(id, version) "
    "CROSS JOIN LATERAL (SELECT * FROM {table} t WHERE t.originator_id = k.id "
    "AND t.originator_version > k.version ORDER BY t.originator_version) e"
)


def load_many(app: OrderingApplication, classes: Mapping[UUID, type[A]]) -> dict[UUID, A | None]:
    """The aggregates named by id (each of its class), the cached ones brought up to date by one
    query whatever their classes: an order's products and stock items share the round trip."""
    repository, recorder = app.repository, app.recorder
    if repository.cache is None or not isinstance(recorder, PostgresApplicationRecorder):
        return {i: app.load(cls, i) for i, cls in classes.items()}
    entries = {i: e for i in classes if (e := repository.cached(i)) is not None}
    loaded: dict[UUID, A | None] = {
        i: app.load(cls, i)
        for i, cls in classes.items()
        if i not in entries  # cold: puts them in the cache
    }
    if entries:
        newer = _newer_events(app, recorder, entries)
        for i, entry in entries.items():
            # The entry is read-only (cached_repository.py): fold into a copy, then copy that
            # for the caller, whose decisions must not reach the cache.
            latest = repository.fast_forward(entry, newer.get(i, ()), classes[i].project)
            loaded[i] = deepcopy(latest)
    return loaded


def _newer_events(
    app: OrderingApplication, recorder: PostgresApplicationRecorder, entries: dict[UUID, A]
) -> dict[UUID, list[DomainEventProtocol[Any]]]:
    """The stored events after each entry's version, by aggregate id, in one query."""
    ids = list(entries)
    versions = [entries[i].version for i in ids]
    sql = NEWER_EVENTS_SQL.format(table=recorder.events_table_name)
    with recorder.datastore.get_connection() as conn:
        rows = conn.execute(sql, (ids, versions), prepare=True).fetchall()
    newer: dict[UUID, list[DomainEventProtocol[Any]]] = defaultdict(list)
    for row in rows:
        stored = StoredEvent(
            row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
        )
        newer[row["originator_id"]].append(app.mapper.to_domain_event(stored))
    return newer
