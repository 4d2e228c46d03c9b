"""Loading several aggregates of one order with one query.

The library's repository fast-forwards a cached aggregate with one query per aggregate; an
order of five lines would pay five round trips. Here every cached aggregate of the order is
brought up to date by a single query for the events after each one's version (PostgreSQL);
aggregates not in the cache go through the repository as usual (snapshot, then the tail).
"""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from .aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)

_fold_lock = threading.Lock()  # cached aggregates are shared by the threads of a process

# LATERAL: one primary-key range scan per aggregate (a plain join may hash the whole table).
NEWER_EVENTS_SQL = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
    "FROM unnest(%s::uuid[], %s::bigint[]) AS k(id, version) "
    "CROSS JOIN LATERAL (SELECT * FROM {table} t WHERE t.originator_id = k.id "
    "AND t.originator_version > k.version ORDER BY t.originator_version) e"
)


def load_many(app, cls: type[A], ids: list[UUID]) -> dict[UUID, A | None]:
    cache = app.repository.cache
    if cache is None or not hasattr(app.recorder.datastore, "schema"):
        return {i: app.load(cls, i) for i in ids}
    cached: dict[UUID, A] = {}
    for aggregate_id in ids:
        try:
            cached[aggregate_id] = cache.get(aggregate_id)
        except KeyError:
            continue
    loaded: dict[UUID, A | None] = {
        i: app.load(cls, i)
        for i in ids
        if i not in cached  # cold: puts them in the cache
    }
    if cached:
        _fast_forward(app, cached)
        with _fold_lock:
            loaded.update({i: deepcopy(agg) for i, agg in cached.items()})
    return loaded


def _fast_forward(app, cached: dict[UUID, Aggregate]) -> None:
    ids = list(cached)
    versions = [cached[i].version for i in ids]
    sql = NEWER_EVENTS_SQL.format(table=app.recorder.events_table_name)
    with app.recorder.datastore.get_connection() as conn:
        rows = conn.execute(sql, (ids, versions), prepare=True).fetchall()
    events = [
        app.mapper.to_domain_event(
            StoredEvent(
                row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
            )
        )
        for row in rows
    ]
    with _fold_lock:
        for event in events:
            aggregate = cached[event.originator_id]
            # Another thread may have folded it already: apply each version exactly once.
            if event.originator_version == aggregate.version + 1:
                aggregate._apply(event)
