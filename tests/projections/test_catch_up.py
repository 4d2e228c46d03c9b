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
