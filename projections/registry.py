"""The read-model projectors by name (the notifier is not here: its effects are never replayed)."""

from __future__ import annotations

from .base import Projector
from .catalog import CatalogProjector
from .store_orders import StoreOrdersProjector


def read_model_projectors() -> dict[str, Projector]:
    return {p.name: p for p in (CatalogProjector(), StoreOrdersProjector())}


def select(names: list[str] | None) -> list[Projector]:
    """The named projectors (all when `names` is empty); unknown names raise KeyError."""
    available = read_model_projectors()
    if not names:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise KeyError(f"unknown projection(s): {', '.join(unknown)}; known: {sorted(available)}")
    return [available[n] for n in names]
