"""Health checks of the read side's dependencies (the database and the cache), each
projection's progress and worker as /health/ reports them, and the numbers /metrics reports from
the read side. May import query_side's own modules."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from query_side.models import OrderStatusCount, ProjectionCheckpoint

from .projection_progress import live_projections


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def cache_ok() -> bool:
    """A real round trip: django-redis hides errors on get/set, so ping its client directly."""
    try:
        client = getattr(cache, "client", None)
        if client is not None and hasattr(client, "get_client"):
            return bool(client.get_client().ping())
        cache.set("aforro:health", 1, 5)
        return cache.get("aforro:health") == 1
    except Exception:
        return False


def checkpoints() -> dict[str, int]:
    return dict(ProjectionCheckpoint.objects.order_by("name").values_list("name", "position"))


def projection_health(names: list[str], head: int) -> dict[str, dict]:
    """Position, lag behind `head` and whether a live worker runs it, for every named projection;
    one never run yet is at position 0 with its worker missing."""
    positions, live = checkpoints(), live_projections(names)
    return {
        name: {
            "position": positions.get(name, 0),
            "head": head,
            "lag": max(head - positions.get(name, 0), 0),
            "worker": "ok" if name in live else "missing",
        }
        for name in names
    }


def order_counts_by_status() -> dict[str, int]:
    """Orders per status from the counts the projector keeps: a few rows, however many orders."""
    return dict(OrderStatusCount.objects.values_list("status", "orders"))
