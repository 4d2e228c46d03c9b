"""Decoding every stored event, batch by batch: proof that the whole history still loads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from eventsourcing.application import Application
from eventsourcing.persistence import Notification


class UndecodableEvent(Exception):
    """A stored event today's code cannot decode (unknown topic, corrupt state, failed upcast)."""

    def __init__(self, position: int, topic: str, error: Exception) -> None:
        super().__init__(f"position {position} (topic {topic!r}) cannot be decoded: {error!r}")
        self.position, self.topic = position, topic


def verify_events(
    app: Application, batch_size: int, progress: Callable[[int], None]
) -> Counter[tuple[str, int]]:
    """Events per (topic, stored version), decoding and upcasting each through `app.mapper`.

    Raises UndecodableEvent at the first position that fails.
    """
    counts: Counter[tuple[str, int]] = Counter()
    position = 0
    while notifications := app.recorder.select_notifications(start=position + 1, limit=batch_size):
        for notification in notifications:
            counts[(notification.topic, _decode(app, notification))] += 1
        position = notifications[-1].id
        progress(len(notifications))
    return counts


def _decode(app: Application, notification: Notification) -> int:
    """The version the event was stored at, after proving it decodes into today's class."""
    try:
        app.mapper.to_domain_event(notification)
        # Decoded once more for the stored version: the mapper pops it while upcasting.
        return app.mapper.transcoder.decode(notification.state).get("class_version", 1)
    except Exception as error:  # whatever fails, the operator needs the position
        raise UndecodableEvent(notification.id, notification.topic, error) from error
