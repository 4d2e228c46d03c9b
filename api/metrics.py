"""Domain metrics for Prometheus, computed at scrape time from shared state (so every gunicorn
worker reports the same numbers): orders by outcome and projection lag."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from query_side.selectors.health import checkpoints, order_counts_by_status

from .views.health import event_store_head


class DomainCollector:
    def describe(self):
        """Names only, so registering at start-up does not query the database."""
        yield CounterMetricFamily("aforro_orders", "", labels=["status"])
        yield GaugeMetricFamily("aforro_projection_lag_events", "", labels=["projection"])

    def collect(self):
        orders = CounterMetricFamily(
            "aforro_orders", "Orders recorded by the read model, by status", labels=["status"]
        )
        lag = GaugeMetricFamily(
            "aforro_projection_lag_events", "Events not yet processed", labels=["projection"]
        )
        try:
            counts = order_counts_by_status()
        except Exception:
            counts = {}  # the database is down: /health/ says so, metrics stay scrapeable
        for status in ("CONFIRMED", "REJECTED"):
            orders.add_metric([status], counts.get(status, 0))
        head = event_store_head()
        if head is not None:
            for name, position in checkpoints().items():
                lag.add_metric([name], max(head - position, 0))
        yield orders
        yield lag


_registered = False


def register_domain_metrics() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(DomainCollector())
        _registered = True
