"""What the service says about its replicas while a drill runs: a thread that polls `/health/`
(its `status` and `replicas` field) and `/metrics` (`aforro_replica_in_rotation`,
`aforro_replica_lag_seconds`) twice a second and keeps every observation with its time."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .drill_load import call

METRIC = re.compile(r"^(aforro_replica_[a-z_]+)\{([^}]*)\}\s+(\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Observation:
    at: float  # time.monotonic()
    health: str  # /health/'s status ("ok", "degraded", ...), or the failure
    replicas: object  # /health/'s `replicas` field as it came
    in_rotation: dict[str, float] = field(default_factory=dict)  # labels → 1.0 / 0.0
    lag: dict[str, float] = field(default_factory=dict)  # labels → seconds

    def all_in(self) -> bool:
        """Every replica in rotation as /metrics says (in every worker: the gauge takes the
        live workers' minimum) and as /health/'s worker says, and /health/ ok."""
        return self._all_agree(True, "ok")

    def all_out(self) -> bool:
        """Every replica out of rotation as /metrics and /health/'s worker say, /health/
        degraded."""
        return self._all_agree(False, "degraded")

    def _all_agree(self, in_rotation: bool, health: str) -> bool:
        listed = self.replicas if isinstance(self.replicas, list) else []
        said = [bool(r.get("in_rotation")) for r in listed if isinstance(r, dict)]
        gauges = list(self.in_rotation.values())
        return (
            bool(said and gauges)
            and all(s == in_rotation for s in said)
            and all(v == in_rotation for v in gauges)  # 1.0 == True, 0.0 == False
            and self.health == health
        )


def replica_metrics(text: str) -> dict[str, dict[str, float]]:
    """metric name → {label set → value} for the aforro_replica_* samples of /metrics."""
    found: dict[str, dict[str, float]] = {}
    for name, labels, value in METRIC.findall(text):
        found.setdefault(name, {})[labels] = float(value)
    return found


def observe(port: int) -> Observation:
    at = time.monotonic()
    try:
        _, _, body = call(port, "GET", "/health/", timeout=5)
        health = json.loads(body)
        status, replicas = health.get("status", "?"), health.get("replicas")
    except (OSError, http.client.HTTPException, ValueError) as error:
        status, replicas = f"no answer ({type(error).__name__})", None
    try:
        _, _, body = call(port, "GET", "/metrics", timeout=5)
        metrics = replica_metrics(body.decode(errors="replace"))
    except (OSError, http.client.HTTPException) as error:
        metrics = {}
        status += f"; /metrics: {type(error).__name__}"
    return Observation(
        at,
        status,
        replicas,
        metrics.get("aforro_replica_in_rotation", {}),
        metrics.get("aforro_replica_lag_seconds", {}),
    )


class RotationWatch:
    def __init__(self, port: int, interval: float = 0.5) -> None:
        self.port, self.interval = port, interval
        self.seen: list[Observation] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> RotationWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.append(observe(self.port))
            self._stop.wait(self.interval)

    def first(self, after: float, test: Callable[[Observation], bool]) -> Observation | None:
        """The first observation made after `after` that passes `test`."""
        return next((o for o in list(self.seen) if o.at >= after and test(o)), None)

    def wait_for(self, test: Callable[[Observation], bool], seconds: float) -> Observation | None:
        """Until an observation from now on passes `test`, or None after `seconds`."""
        since = time.monotonic()
        while time.monotonic() - since < seconds:
            found = self.first(since, test)
            if found is not None:
                return found
            time.sleep(0.1)
        return None
