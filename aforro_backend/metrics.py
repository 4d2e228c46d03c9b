"""What `/metrics` exposes: the request metrics of every gunicorn worker (Prometheus' multiprocess
mode) and the domain metrics, read at scrape time from shared state (the database), so they are
the same whichever worker answers. The composition root: may import every layer but `api`.

A domain metric is one function decorated with `@domain_metric(...)`: it gets the scrape's
`Reads` (shared reads made once per scrape) and returns (label values, value) pairs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from command_side.positions import event_store_head
from projections.confirmation_backlog import ConfirmationBacklog, confirmation_backlog
from query_side.projection_names import MONITORED
from query_side.replica_rotation import ROTATION
from query_side.selectors.health import order_counts_by_status, projection_health

from .composition import command_context

log = logging.getLogger(__name__)

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it when first imported
# Every status the store_orders projector writes (PENDING: an order whose outcome a later batch
# brings): always reported, 0 when no order has it, so the series never vanish.
ORDER_STATUSES = ("PENDING", "CONFIRMED", "REJECTED", "CANCELLED")

Samples = Iterable[tuple[tuple[str, ...], float]]


class Reads:
    """The shared state a scrape reads, each at most once, however many metrics use it."""

    @cached_property
    def head(self) -> int:
        return event_store_head(command_context())

    @cached_property
    def order_counts(self) -> dict[str, int]:
        return order_counts_by_status()

    @cached_property
    def projection_states(self) -> dict[str, dict]:
        """What /health/ reports per projection (position, lag, worker): the same reads."""
        return projection_health(list(MONITORED), self.head)

    @cached_property
    def confirmations(self) -> ConfirmationBacklog:
        return confirmation_backlog()


@dataclass(frozen=True)
class DomainMetric:
    name: str
    documentation: str
    labels: tuple[str, ...]
    counter: bool
    samples: Callable[[Reads], Samples]

    def family(self) -> Metric:
        kind = CounterMetricFamily if self.counter else GaugeMetricFamily
        return kind(self.name, self.documentation, labels=list(self.labels))


DOMAIN_METRICS: list[DomainMetric] = []


def domain_metric(
    name: str,
    documentation: str,
    labels: tuple[str, ...] = (),
    counter: bool = False,
    into: list[DomainMetric] = DOMAIN_METRICS,
) -> Callable[[Callable[[Reads], Samples]], Callable[[Reads], Samples]]:
    """Register a function returning (label values, value) pairs as the metric `name`."""

    def register(samples: Callable[[Reads], Samples]) -> Callable[[Reads], Samples]:
        into.append(DomainMetric(name, documentation, labels, counter, samples))
        return samples

    return register


@domain_metric("aforro_orders", "Orders in each status (the read model's counts)", ("status",))
def orders_by_status(reads: Reads) -> Samples:
    # A gauge: a cancellation moves an order from CONFIRMED to CANCELLED, so a count goes down.
    return [((status,), reads.order_counts.get(status, 0)) for status in ORDER_STATUSES]


@domain_metric("aforro_orders_placed", "Orders placed (all statuses)", counter=True)
def orders_placed(reads: Reads) -> Samples:
    return [((), sum(reads.order_counts.values()))]


@domain_metric("aforro_order_cancellations", "Orders cancelled", counter=True)
def cancellations(reads: Reads) -> Samples:
    return [((), reads.order_counts.get("CANCELLED", 0))]  # CANCELLED is final: never goes down


@domain_metric("aforro_event_store_head", "Position of the newest event in the event store")
def store_head(reads: Reads) -> Samples:
    return [((), reads.head)]


@domain_metric("aforro_projection_lag_events", "Events not yet processed", ("projection",))
def projection_lag(reads: Reads) -> Samples:
    return [((name,), state["lag"]) for name, state in reads.projection_states.items()]


@domain_metric(
    "aforro_projection_worker_up",
    "1 while a worker's heartbeat for the projection is fresh (PROJECTOR_STALE_SECONDS), else 0",
    ("projection",),
)
def projection_worker_up(reads: Reads) -> Samples:
    states = reads.projection_states.items()
    return [((name,), 1 if state["worker"] == "ok" else 0) for name, state in states]


@domain_metric(
    "aforro_confirmation_queue_depth",
    "Confirmation tasks waiting in the broker's queue (absent while the broker does not answer)",
)
def confirmation_queue_depth(reads: Reads) -> Samples:
    depth = reads.confirmations.queue_depth
    return [] if depth is None else [((), depth)]


@domain_metric(
    "aforro_confirmation_oldest_unsent_seconds",
    "Age of the oldest confirmed order (of the sweep's day) still without its e-mail; 0 if none",
)
def oldest_unsent_confirmation(reads: Reads) -> Samples:
    return [((), reads.confirmations.oldest_unsent_seconds or 0.0)]


class DomainCollector:
    """Every domain metric, read once per collect(); a metric whose read fails (the database is
    down: /health/ says so) is left out and the others are still reported."""

    def __init__(self, metrics: list[DomainMetric] | None = None) -> None:
        self.metrics = DOMAIN_METRICS if metrics is None else metrics

    def describe(self) -> Iterator[Metric]:
        """Names only, so registering does not query the database."""
        for metric in self.metrics:
            yield metric.family()

    def collect(self) -> Iterator[Metric]:
        reads = Reads()
        for metric in self.metrics:
            family = metric.family()
            try:
                for labels, value in metric.samples(reads):
                    family.add_metric(list(labels), value)
            except Exception as error:
                log.warning("metric %s unavailable: %r", metric.name, error)
                continue
            yield family


def multiprocess_mode() -> bool:
    """True under gunicorn (gunicorn.conf.py sets the directory before any worker starts)."""
    return bool(os.environ.get(MULTIPROC_DIR))


def scrape_registry() -> CollectorRegistry:
    """A registry for one scrape: the request metrics of every worker (or of this process when
    it is the only one) and the domain metrics, collected once."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        # Fresh per scrape and holding no metric of its own: the files are the only source.
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # this process's registry as one collector (it has collect())
    registry.register(DomainCollector())
    return registry


def exposition() -> bytes:
    # The replicas' gauges are set by this process's prober: start it if no read has yet.
    ROTATION.ensure_started()
    return generate_latest(scrape_registry())
