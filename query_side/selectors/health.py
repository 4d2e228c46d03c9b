"""Health checks of the read side's dependencies (the database and the cache) and the numbers
/metrics reports from the read side."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from query_side.models import OrderStatusCount, ProjectionCheckpoint


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


def order_counts_by_status() -> dict[str, int]:
    """Orders per status from the counts the projector keeps: a few rows, however many orders."""
    return dict(OrderStatusCount.objects.values_list("status", "orders"))
