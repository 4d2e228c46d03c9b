"""Writer locks only for items that conflicted a moment ago (command_side/contention.py)."""

from contextlib import contextmanager
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from command_side.contention import RecentConflicts
from command_side.context import CommandContext
from command_side.locks import NoWriterLocks
from command_side.order import CONFIRMED
from command_side.place_order import place_order
from command_side.retry import retry_on_conflict

from .test_place_order import order, stocked

pytestmark = pytest.mark.django_db


class RecordingLocks(NoWriterLocks):
    """The embedded mode's no-op locks, recording which items each attempt held."""

    def __init__(self) -> None:
        self.held: list[set] = []

    @contextmanager
    def hold(self, aggregate_ids):
        self.held.append(set(aggregate_ids))
        yield


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_item_that_conflicted_is_remembered_for_a_few_seconds_then_forgotten():
    clock, item, other = Clock(), uuid4(), uuid4()
    conflicts = RecentConflicts(remember_seconds=5, clock=clock)
    assert not conflicts.any_of([item])
    conflicts.record([item])
    clock.now += 4.9
    assert conflicts.any_of([other, item])
    assert not conflicts.any_of([other])
    clock.now += 0.2
    assert not conflicts.any_of([item])


def test_after_a_conflict_the_retry_and_later_attempts_on_those_items_take_the_locks(ctx):
    locks = RecordingLocks()
    context = CommandContext(ctx.app, locks, backoff=lambda attempt: None)
    items = [uuid4(), uuid4()]
    calls = []

    def attempt():
        calls.append(len(locks.held))
        if len(calls) == 1:
            raise IntegrityError("another writer appended first")
        return "appended"

    assert retry_on_conflict(context, items, attempt) == "appended"
    assert locks.held == [set(items)]  # the first attempt went without, the retry held them
    assert retry_on_conflict(context, items[:1], lambda: "next order") == "next order"
    assert locks.held == [set(items), {items[0]}]
    assert retry_on_conflict(context, [uuid4()], lambda: "unrelated") == "unrelated"
    assert len(locks.held) == 2


def test_orders_on_items_nobody_else_writes_take_no_writer_locks(ctx):
    locks = RecordingLocks()
    context = CommandContext(ctx.app, locks)
    stocked(context, {1: 5, 2: 5})
    assert place_order(context, order(1, (1, 2), (2, 1))).order.status == CONFIRMED
    assert place_order(context, order(1, (1, 1))).order.status == CONFIRMED
    assert locks.held == []
