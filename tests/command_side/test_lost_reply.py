"""A commit whose reply is lost: the order exists once and its client gets it, not a 503.

The fault injector wraps the real recorder of the real event store: the first append commits,
then raises as if the connection dropped before the reply arrived.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry

from command_side.order import CONFIRMED
from command_side.place_order import place_order
from events.positions import last_position_of
from tests.command_side.test_place_order import order, quantity_of, stocked

pytestmark = pytest.mark.django_db

# Where the lost reply shows: raised to the caller as is, or after the recorder's own retry
# (events/postgres_recorder.py) re-inserted the committed events and conflicted with them.
SURFACES = ["raised", "retried by the recorder"]


@contextmanager
def lose_first_reply(recorder, surfaces: str) -> Iterator[None]:
    real_insert = recorder.insert_events
    lost: list[bool] = []

    def insert_events(stored_events, **kwargs):
        positions = real_insert(stored_events, **kwargs)
        if not lost:
            lost.append(True)
            raise OperationalError("server closed the connection unexpectedly")
        return positions

    if surfaces == "retried by the recorder":
        insert_events = retry((InterfaceError, OperationalError), max_attempts=10)(insert_events)
    recorder.insert_events = insert_events
    try:
        yield
    finally:
        del recorder.insert_events  # the class's method again


def placed_orders(ctx) -> int:
    notifications = ctx.app.recorder.select_notifications(start=1, limit=100_000)
    return sum(n.topic == "aforro.OrderPlaced" for n in notifications)


@pytest.mark.parametrize("surfaces", SURFACES)
@pytest.mark.parametrize("key", [None, "lost-reply"])
def test_an_order_whose_commit_reply_was_lost_is_answered_once_as_placed(ctx, surfaces, key):
    stocked(ctx, {1: 10})
    with lose_first_reply(ctx.app.recorder, surfaces):
        outcome = place_order(ctx, order(1, (1, 2), key=key))
    assert outcome.order.status == CONFIRMED
    assert not outcome.replayed
    assert outcome.position == last_position_of(ctx.app, outcome.order.id)
    assert placed_orders(ctx) == 1
    assert quantity_of(ctx, 1, 1) == 8
