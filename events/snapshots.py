"""The snapshot store that never hands out a snapshot of an older aggregate state shape."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import EventStore

from .base import Snapshot


class CurrentSnapshotStore(EventStore):
    """Snapshots whose recorded STATE_VERSION is not the aggregate's today are left out, so the
    repository finds none and folds the aggregate from all its events (never rewritten)."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return (s for s in super().get(*args, **kwargs) if _is_current(s))


def _is_current(snapshot: Any) -> bool:
    return not isinstance(snapshot, Snapshot) or snapshot.is_current
