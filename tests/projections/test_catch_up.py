"""catch_up: every projector reaches the head, taking one batch each in turn."""

import pytest

from projections.base import Touched
from projections.catch_up import catch_up
from query_side.selectors.projection_progress import projection_position

from .workload import head, random_workload, stored_events

pytestmark = pytest.mark.django_db


class Recording:
    """A projector under test that folds nothing and notes each batch it is given."""

    topics = frozenset()
    tables = ()

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def apply(self, events) -> Touched:
        self.calls.append(self.name)
        return Touched()


def test_every_projector_reaches_the_head_and_counts_every_event(ctx):
    random_workload(ctx, seed=81, steps=10)
    calls: list[str] = []
    projectors = [Recording("first", calls), Recording("second", calls)]
    assert catch_up(projectors, batch_size=7) == 2 * stored_events(ctx)
    assert projection_position("first") == projection_position("second") == head(ctx)
    assert catch_up(projectors, batch_size=7) == 0


def test_projectors_take_batches_in_turn_so_a_busy_one_cannot_starve_the_others(ctx):
    random_workload(ctx, seed=82, steps=10)
    calls: list[str] = []
    catch_up([Recording("first", calls), Recording("second", calls)], batch_size=7)
    assert calls[:4] == ["first", "second", "first", "second"]


class Sizing(Recording):
    """A projector of every topic that notes the size of each batch and may grow its batches."""

    def __init__(self, ctx, name: str, sizes: list[int], max_batch_size: int | None = None) -> None:
        super().__init__(name, [])
        notifications = ctx.app.recorder.select_notifications(start=1, limit=10**9)
        self.topics = frozenset(n.topic for n in notifications)
        self.sizes = sizes
        if max_batch_size is not None:
            self.max_batch_size = max_batch_size

    def apply(self, events) -> Touched:
        self.sizes.append(len(events))
        return Touched()


def test_a_projector_behind_gets_doubling_batches_up_to_its_maximum_the_others_do_not(ctx):
    random_workload(ctx, seed=83, steps=30)
    events = stored_events(ctx)
    grown: list[int] = []
    fixed: list[int] = []
    catch_up(
        [Sizing(ctx, "grows", grown, max_batch_size=20), Sizing(ctx, "fixed", fixed)], batch_size=5
    )
    assert events > 5 + 10 + 20 + 20  # enough to reach the maximum
    assert grown[:4] == [5, 10, 20, 20] and set(grown[3:-1]) == {20} and sum(grown) == events
    assert set(fixed[:-1]) == {5} and sum(fixed) == events
    # Each catch-up starts again at the configured size.
    again: list[int] = []
    catch_up([Sizing(ctx, "later", again, max_batch_size=20)], batch_size=3)
    assert again[:4] == [3, 6, 12, 20] and sum(again) == events
