"""Base classes for stored events: explicit, stable topics instead of module paths.

A stored event names its class by topic. Topics default to "module:qualname", so moving a module
would orphan history; every class here declares TOPIC and registers it, so code can move freely.
"""

from eventsourcing.domain import DomainEvent
from eventsourcing.domain import Snapshot as LibrarySnapshot
from eventsourcing.utils import register_topic

TOPIC_PREFIX = "aforro."


class Event(DomainEvent):
    """A fact recorded by one aggregate; every subclass is decorated with `stable_topic`."""


def stable_topic(cls: type) -> type:
    """Class decorator: give `cls` the topic "aforro.<ClassName>" and register it."""
    cls.TOPIC = TOPIC_PREFIX + cls.__name__
    register_topic(cls.TOPIC, cls)
    return cls


@stable_topic
class Snapshot(LibrarySnapshot):
    """An aggregate's state at a version, so loading never replays a long history."""
