"""The HTTP load of the fault drills: a few threads placing orders and reading inventory and
store orders, each bounded in requests and in time, every answer (or failure) recorded."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

STORES = (1, 2)
PRODUCTS = range(1, 51)  # the drills seed 50 products, all stocked in both stores


@dataclass(frozen=True)
class Sample:
    kind: str  # "order", "inventory" or "orders"
    started: float  # time.monotonic()
    ended: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)
    content_type: str
    error: str
    order_id: str | None = None
    order_status: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def describe(self) -> str:
        what = self.status if self.status is not None else self.error
        return f"{self.kind} {what} after {self.seconds:.2f}s"


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, str, bytes]:
    """One request on a new connection: (status, content type, body); raises OSError and
    http.client.HTTPException when no answer comes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def order_body(rng: random.Random) -> dict:
    products = rng.sample(PRODUCTS, rng.randint(1, 3))
    items = [{"product_id": p, "quantity_requested": rng.randint(1, 2)} for p in products]
    return {"store_id": rng.choice(STORES), "items": items}


def place_order(port: int, body: dict, timeout: float = 10) -> tuple[Sample, bytes]:
    """POST /orders/ with `body`: its sample and the answer's body (b"" when none came)."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return timed("order", lambda: call(port, "POST", "/orders/", data, headers, timeout))


def read(port: int, kind: str, store_id: int, timeout: float = 10) -> Sample:
    path = f"/stores/{store_id}/{kind}/"
    return timed(kind, lambda: call(port, "GET", path, timeout=timeout))[0]


def timed(kind: str, send: Callable[[], tuple[int, str, bytes]]) -> tuple[Sample, bytes]:
    """The request `send` makes, timed: its sample and the answer's body (b"" when none came).
    A 201 to an "order" carries the order's id and status, for `Load.answered_orders`."""
    started = time.monotonic()
    try:
        status, ctype, body = send()
    except (OSError, http.client.HTTPException) as error:
        return Sample(kind, started, time.monotonic(), None, "", type(error).__name__), b""
    ended = time.monotonic()
    order_id = order_status = None
    if kind == "order" and status == 201:
        answer = json.loads(body)
        order_id, order_status = answer["id"], answer["status"]
    return Sample(kind, started, ended, status, ctype, "", order_id, order_status), body


class Load:
    """`writers` threads placing orders and `readers` threads reading, until `stop()`, the
    time limit or the per-thread request cap, whichever comes first. `pause` seconds between
    a thread's requests keep the box (2 cores, shared) from saturating."""

    def __init__(
        self,
        port: int,
        *,
        writers: int = 3,
        readers: int = 1,
        seconds: float = 60,
        max_per_thread: int = 5000,
        pause: float = 0.01,
        timeout: float = 10,
        seed: int = 7,
    ) -> None:
        self.port, self.seconds, self.max_per_thread = port, seconds, max_per_thread
        self.pause, self.timeout = pause, timeout
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        roles = ["write"] * writers + ["read"] * readers
        self._threads = [
            threading.Thread(target=self._run, args=(role, seed + i), daemon=True)
            for i, role in enumerate(roles)
        ]

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    def _run(self, role: str, seed: int) -> None:
        rng = random.Random(seed)
        deadline = time.monotonic() + self.seconds
        for n in range(self.max_per_thread):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            if role == "write":
                sample, _ = place_order(self.port, order_body(rng), self.timeout)
            else:
                kind = ("inventory", "orders")[n % 2]
                sample = read(self.port, kind, rng.choice(STORES), self.timeout)
            self.samples.append(sample)  # list.append is atomic: no lock needed
            self._stop.wait(self.pause)

    def answered_orders(self) -> dict[str, str]:
        """order id → status, for every order the API answered 201."""
        return {s.order_id: s.order_status for s in self.samples if s.order_id}

    def between(self, start: float, end: float, kinds: tuple[str, ...]) -> list[Sample]:
        """Samples of `kinds` whose request overlapped [start, end]."""
        return [
            s for s in self.samples if s.kind in kinds and s.started <= end and s.ended >= start
        ]
