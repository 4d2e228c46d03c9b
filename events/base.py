"""Base classes for stored events: explicit, stable topics instead of module paths.

A stored event names its class by topic. Topics default to "module:qualname", so moving a module
would orphan history; every class here declares TOPIC and registers it, so code can move freely.
Every class also has a schema version (`class_version`, docs/decisions/012-event-versioning.md).
"""

from typing import Any, ClassVar, TypeVar

from eventsourcing.domain import DomainEvent
from eventsourcing.domain import Snapshot as LibrarySnapshot
from eventsourcing.utils import register_topic, resolve_topic

TOPIC_PREFIX = "aforro."
# Key of the aggregate's state shape version inside a snapshot's state.
STATE_VERSION_KEY = "state_version"


class Event(DomainEvent):
    """A fact recorded by one aggregate; every subclass is decorated with `stable_topic`."""

    # The library's mapper stores it (when > 1) and upcasts older stored state with the
    # class's `upcast_vN_vN+1` static methods; state stored without it is version 1.
    class_version = 1
    TOPIC: ClassVar[str]  # set by `stable_topic`


Stored = TypeVar("Stored", bound="type[Event | Snapshot]")


def stable_topic(cls: Stored) -> Stored:
    """Class decorator: give `cls` the topic "aforro.<ClassName>" and register it."""
    cls.TOPIC = TOPIC_PREFIX + cls.__name__
    register_topic(cls.TOPIC, cls)
    return cls


def state_version_of(aggregate_class: type) -> int:
    return getattr(aggregate_class, "STATE_VERSION", 1)


@stable_topic
class Snapshot(LibrarySnapshot):
    """An aggregate's state at a version, so loading never replays a long history.

    The state records the aggregate's STATE_VERSION: a snapshot of another shape is never
    trusted (snapshots.py discards it and the aggregate is rebuilt from its events).
    """

    class_version = 1
    TOPIC: ClassVar[str]  # set by `stable_topic`

    @classmethod
    def take(cls, aggregate: Any) -> "Snapshot":
        snapshot = super().take(aggregate)
        snapshot.state[STATE_VERSION_KEY] = state_version_of(type(aggregate))
        return snapshot

    def mutate(self, _: None) -> Any:
        aggregate = super().mutate(None)
        vars(aggregate).pop(STATE_VERSION_KEY, None)
        return aggregate

    @property
    def is_current(self) -> bool:
        """Whether the state has the shape the aggregate class folds today (none recorded: 1)."""
        recorded: int = self.state.get(STATE_VERSION_KEY, 1)
        return recorded == state_version_of(resolve_topic(self.topic))
