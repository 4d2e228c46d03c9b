"""The load of the replica drill: clients that read their own writes. Each client places an
order and at once reads it back with `min_position` set to the position the order's answer
gave, cycling through the three read endpoints: the order itself, the store's orders, the
store's inventory. Every answer is recorded with what makes it stale or not:

- order detail: 200 with the status the placement answered (a 404 is a page from before it);
- store orders: the order among the newest 100 of its store;
- inventory: no product shows more stock than it had at the order's position. Only orders
  change stock during the drill, and an append's events are contiguous positions, so the stock
  at position P is the seeded stock minus the confirmed orders answered with a position <= P.
  An order whose answer was lost would only make that bound higher (more lenient), never
  wrong; a page from before P shows the caller's own order not yet deducted, above the bound.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .drill_load import PRODUCTS, STORES, Load, Sample, call, order_body, place_order, timed

KINDS = ("detail", "orders", "inventory")
PAGE = {"orders": 100, "inventory": 500}  # the caps: the whole inventory, the newest orders


@dataclass(frozen=True)
class Placed:
    """A 201 answer to POST /orders/."""

    order_id: str
    store_id: int
    status: str
    position: int
    lines: tuple[tuple[int, int], ...]  # (product_id, quantity)


@dataclass
class ReadBack:
    """A read with `min_position` after the caller's own order."""

    sample: Sample
    order: Placed
    body: dict = field(default_factory=dict)  # the 200 answer's JSON


class ReadYourWrites(Load):
    """`clients` threads, each: place an order, read it back, pause, until `stop()` or
    `seconds`. Orders use drill_load's shapes (1..3 of the seeded products, 1..2 units) and
    its requests; `samples` holds every request, orders and reads, so `answered_orders()`
    has every order answered 201."""

    def __init__(
        self, port: int, *, clients: int = 2, seconds: float = 120, pause: float = 0.02
    ) -> None:
        super().__init__(port, writers=clients, readers=0, seconds=seconds, pause=pause)
        self.placed: list[Placed] = []
        self.reads: list[ReadBack] = []

    @property
    def orders(self) -> list[Sample]:
        return [s for s in self.samples if s.kind == "order"]

    def _run(self, role: str, seed: int) -> None:
        rng = random.Random(seed)
        deadline = time.monotonic() + self.seconds
        n = seed
        while not self._stop.is_set() and time.monotonic() < deadline:
            sample, placed = self._place(order_body(rng))
            self.samples.append(sample)  # list.append is atomic: no lock needed
            if placed is not None:
                self.placed.append(placed)
                read = self._read_back(KINDS[n % len(KINDS)], placed)
                self.samples.append(read.sample)
                self.reads.append(read)
                n += 1
            self._stop.wait(self.pause)

    def _place(self, body: dict) -> tuple[Sample, Placed | None]:
        sample, answer = place_order(self.port, body, self.timeout)
        if sample.status != 201:
            return sample, None
        order = json.loads(answer)
        lines = tuple((i["product_id"], i["quantity_requested"]) for i in body["items"])
        placed = Placed(order["id"], body["store_id"], order["status"], order["position"], lines)
        return sample, placed

    def _read_back(self, kind: str, order: Placed) -> ReadBack:
        where = {
            "detail": f"/orders/{order.order_id}/?",
            "orders": f"/stores/{order.store_id}/orders/?page_size={PAGE['orders']}&",
            "inventory": f"/stores/{order.store_id}/inventory/?page_size={PAGE['inventory']}&",
        }[kind]
        path = f"{where}min_position={order.position}"
        sample, answer = timed(kind, lambda: call(self.port, "GET", path, timeout=self.timeout))
        return ReadBack(sample, order, json.loads(answer) if sample.status == 200 else {})


def stock_bounds(
    placed: list[Placed], seeded: dict[tuple[int, int], int]
) -> Callable[[int, int, int], int]:
    """A function (store, product, position) → the most stock that product can show at that
    position: the seeded stock minus every answered confirmed order at or before it."""
    changes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for order in sorted(placed, key=lambda o: o.position):
        if order.status == "CONFIRMED":
            for product, quantity in order.lines:
                changes[(order.store_id, product)].append((order.position, quantity))

    def bound(store: int, product: int, position: int) -> int:
        taken = sum(q for at, q in changes[(store, product)] if at <= position)
        return seeded[(store, product)] - taken

    return bound


def stale_reason(read: ReadBack, bound: Callable[[int, int, int], int]) -> str | None:
    """Why this answer (a 200, or the order detail's 404) is older than the caller's own order,
    or None if it is not."""
    order, body = read.order, read.body
    kind = read.sample.kind
    if kind == "detail" and read.sample.status == 404:
        return f"order {order.order_id} (position {order.position}) not found"
    if kind == "detail":
        if body.get("status") != order.status:
            return f"order {order.order_id} shows {body.get('status')}, placed {order.status}"
        return None
    if kind == "orders":
        if order.order_id not in {row["id"] for row in body.get("results", [])}:
            return f"order {order.order_id} (position {order.position}) not in its store's page"
        return None
    over = [
        f"product {row['product_id']}: {row['quantity']} > {limit}"
        for row in body.get("results", [])
        if row["quantity"] > (limit := bound(order.store_id, row["product_id"], order.position))
    ]
    if len(body.get("results", [])) != len(PRODUCTS):
        over.append(f"{len(body.get('results', []))} rows, not {len(PRODUCTS)}")
    return f"position {order.position}: {', '.join(over[:3])}" if over else None


def seeded_stock(rows: list[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """(store, product) → quantity, from read_inventory rows (store_id, product_id, quantity)."""
    stock = {(store, product): quantity for store, product, quantity in rows}
    missing = [(s, p) for s in STORES for p in PRODUCTS if (s, p) not in stock]
    if missing:
        raise ValueError(f"the seed did not stock {missing[:3]}")
    return stock
