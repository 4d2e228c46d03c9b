"""The projections by name: the read-model projectors (replayable) and every name a worker runs,
the notifier included (its effects are never replayed). May import projections' own modules."""

from __future__ import annotations

from collections.abc import Iterable

from .base import Projector
from .catalog import CatalogProjector
from .notifier import NAME as NOTIFIER
from .store_orders import StoreOrdersProjector


class UnknownProjection(ValueError):
    """A name no projection has; the message lists the known ones."""


def read_model_projectors() -> dict[str, Projector]:
    return {p.name: p for p in (CatalogProjector(), StoreOrdersProjector())}


def projection_names() -> list[str]:
    """Every name a worker runs and keeps a heartbeat for: the read models and the notifier."""
    return [*read_model_projectors(), NOTIFIER]


def checked(names: Iterable[str] | None, known: Iterable[str]) -> list[str]:
    """`names` in the order given (all of `known` when empty); any unknown one raises
    UnknownProjection naming the known ones, so every command refuses names the same way."""
    known = list(known)
    names = list(names or [])
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownProjection(
            f"unknown projection(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return names or known


def select(names: list[str] | None) -> list[Projector]:
    """The named read-model projectors (all when `names` is empty); unknown names (the notifier
    too: it never replays) raise UnknownProjection."""
    available = read_model_projectors()
    return [available[n] for n in checked(names, available)]
