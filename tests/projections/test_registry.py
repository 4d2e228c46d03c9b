"""The registry's names are the ones the read side watches (query_side.projection_names)."""

import pytest

from projections.registry import projection_names, read_model_projectors
from query_side.projection_names import MONITORED, READ_MODELS

pytestmark = pytest.mark.unit


def test_every_registered_projection_is_watched_by_health_and_metrics():
    assert sorted(projection_names()) == sorted(MONITORED)


def test_the_replayable_projections_are_the_read_models():
    assert sorted(read_model_projectors()) == sorted(READ_MODELS)
