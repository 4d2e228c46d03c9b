"""Which request wrote an event, and which event caused it: the metadata of stored events.

The current correlation lives in a context variable: the web tier's middleware binds the
request's X-Request-ID for the request, a Celery task the id its message carried, and anything
else (a management command) falls back to one id per process run. The event store's mapper
stamps it on every event it stores (docs/decisions/013-correlation-metadata.md), so domain code
never sees it. May import only the standard library and eventsourcing.

An event's id is "<originator_id>:<originator_version>": unique in the store, and what a
causation id names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from .base import Event

# Key of the metadata in a stored event's state. No event class may have a field of this name.
METADATA_KEY = "metadata"


@dataclass(frozen=True)
class Correlation:
    correlation_id: str
    causation_id: str | None = None


_current: ContextVar[Correlation | None] = ContextVar("aforro_correlation", default=None)
_run_id = ""


def event_id(originator_id: UUID | str, originator_version: int) -> str:
    return f"{originator_id}:{originator_version}"


def current_id() -> str | None:
    """The id bound to this request or task, if any (what log lines carry)."""
    bound = _current.get()
    return bound.correlation_id if bound is not None else None


def run_id() -> str:
    """This process run's own id, for events written outside any request or task."""
    global _run_id
    if not _run_id:
        _run_id = "run-" + uuid.uuid4().hex
    return _run_id


def current() -> Correlation:
    """What the next stored event records: the bound correlation, or this run's."""
    return _current.get() or Correlation(run_id())


@contextmanager
def bound(correlation: Correlation | None) -> Iterator[None]:
    """`correlation` is the current one for the block (None: leave it as it is)."""
    if correlation is None:
        yield
        return
    token = _current.set(correlation)
    try:
        yield
    finally:
        _current.reset(token)


def correlated(correlation_id: str) -> AbstractContextManager[None]:
    """Bind `correlation_id` (a request's or a task's) for a block."""
    return bound(Correlation(correlation_id))


def caused_by(cause_id: str) -> AbstractContextManager[None]:
    """Events stored in the block, except the cause itself, record `cause_id` as their cause."""
    return bound(Correlation(current().correlation_id, cause_id))


def following(event: Any) -> AbstractContextManager[None]:
    """Work done because of a stored `event` (a notification) runs under the event's correlation
    id, with the event as its cause; an event stored without metadata binds nothing."""
    correlation_id = metadata_of(event)["correlation_id"]
    cause = event_id(event.originator_id, event.originator_version)
    return bound(Correlation(correlation_id, cause) if correlation_id else None)


def metadata_of(event: Any) -> dict[str, str | None]:
    """{"correlation_id", "causation_id"} of a stored event; both None for an event stored
    before correlation metadata existed."""
    stored = vars(event).get(METADATA_KEY) or {}
    return {
        "correlation_id": stored.get("correlation_id"),
        "causation_id": stored.get("causation_id"),
    }


class CorrelatingMapper(Mapper):
    """The library's mapper, with the current correlation added to the state of every `Event`
    it stores. Decoding is the library's: the metadata stays in the event's `__dict__` (not a
    dataclass field, so equality, schemas and history data ignore it) for `metadata_of`."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if not isinstance(domain_event, Event):  # snapshots carry no metadata
            return super().to_stored_event(domain_event)
        bound = current()
        cause = bound.causation_id
        if cause == event_id(domain_event.originator_id, domain_event.originator_version):
            cause = None  # the cause itself is caused by the request, not by itself
        stamped = object.__new__(type(domain_event))
        state = {**vars(domain_event), METADATA_KEY: _metadata(bound.correlation_id, cause)}
        object.__setattr__(stamped, "__dict__", state)
        return super().to_stored_event(stamped)


def _metadata(correlation_id: str, causation_id: str | None) -> dict[str, str]:
    metadata = {"correlation_id": correlation_id}
    if causation_id is not None:
        metadata["causation_id"] = causation_id
    return metadata
