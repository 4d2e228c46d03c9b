"""The replicas' gauges on /metrics, set by each web process's prober (query_side.replica_rotation).

Under gunicorn every worker probes on its own and writes its own values (Prometheus'
multiprocess mode, docs/decisions/016): a scrape reports the worst view of the live workers, the
largest lag (`livemax`) and in rotation only if every worker has it in (`livemin`); a dead
worker's values go with it. May import prometheus_client only.
"""

from __future__ import annotations

from prometheus_client import Gauge

REPLICA_LAG = Gauge(
    "aforro_replica_lag_seconds",
    "Replay lag of a read replica behind the primary (NaN while unknown: not answering)",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_IN_ROTATION = Gauge(
    "aforro_replica_in_rotation",
    "1 while reads go to the replica (it answers and lags at most REPLICA_MAX_LAG_SECONDS)",
    ["replica"],
    multiprocess_mode="livemin",
)


def record_replica(alias: str, in_rotation: bool, lag_seconds: float | None) -> None:
    REPLICA_LAG.labels(alias).set(float("nan") if lag_seconds is None else lag_seconds)
    REPLICA_IN_ROTATION.labels(alias).set(1 if in_rotation else 0)
