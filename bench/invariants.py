"""No oversell, nothing lost, in both systems: every stock item is ≥ 0, and its drop since
seeding equals the units of the confirmed orders naming it. Ours: quantities come from the
event store (the truth) and confirmed orders from the store_orders read model; the inventory
read model is compared with the event store too. Baseline: SQL over its tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import dataset, postgres
from .stats import row
from .systems import BASELINE, BASELINE_DB, OURS, OURS_DB, Systems

CONFIRMED_SQL = {
    OURS: "SELECT o.store_id, l.product_id, sum(l.quantity_requested) FROM read_order_line l "
    "JOIN read_order o ON o.order_id = l.order_id WHERE o.status = 'CONFIRMED' GROUP BY 1, 2",
    BASELINE: "SELECT o.store_id, i.product_id, sum(i.quantity_requested) FROM shop_orderitem i "
    "JOIN shop_order o ON o.id = i.order_id WHERE o.status = 'CONFIRMED' GROUP BY 1, 2",
}
BASELINE_STOCK_SQL = "SELECT store_id, product_id, quantity FROM shop_stock"
READ_MODEL_STOCK_SQL = "SELECT store_id, product_id, quantity FROM read_inventory"

Key = tuple[int, int]


@dataclass
class Check:
    system: str
    items: int = 0
    negative: list[Key] = field(default_factory=list)
    mismatched: list[tuple[Key, int, int]] = field(default_factory=list)  # (key, drop, ordered)
    read_model_mismatched: list[Key] = field(default_factory=list)
    orders: Counter[str] = field(default_factory=Counter)
    units_confirmed: int = 0

    @property
    def violations(self) -> int:
        return len(self.negative) + len(self.mismatched)


def check(systems: Systems, system: str) -> Check:
    result = Check(system, orders=systems.order_counts(system))  # ours: waits for projections
    db = OURS_DB if system == OURS else BASELINE_DB
    ordered = {(s, p): int(q) for s, p, q in postgres.query(db, CONFIRMED_SQL[system])}
    if system == OURS:
        stock = systems.event_store_stock()
        read_model = {(s, p): q for s, p, q in postgres.query(db, READ_MODEL_STOCK_SQL)}
        result.read_model_mismatched = [k for k, q in stock.items() if read_model.get(k) != q]
    else:
        stock = {(s, p): q for s, p, q in postgres.query(db, BASELINE_STOCK_SQL)}
    initial = dataset.initial_stock()
    for key in sorted(set(initial) | set(stock) | set(ordered)):
        now = stock.get(key)
        drop = initial.get(key, 0) - (now or 0)
        if now is None or now < 0:
            result.negative.append(key)
        if drop != ordered.get(key, 0):
            result.mismatched.append((key, drop, ordered.get(key, 0)))
    result.items = len(stock)
    result.units_confirmed = sum(ordered.values())
    return result


def invariant_rows(systems: Systems, scenario: str) -> list[dict]:
    rows = []
    for system in (OURS, BASELINE):
        found = check(systems, system)
        details = (
            f"{found.items} stock items; {found.orders['CONFIRMED']} confirmed and "
            f"{found.orders['REJECTED']} rejected orders so far, {found.units_confirmed} units; "
            f"negative: {found.negative[:5]}; drop ≠ confirmed units: {found.mismatched[:5]}"
        )
        rows.append(
            row(
                scenario,
                f"invariant violations ({system})",
                found.violations,
                "items",
                target="= 0",
                met=found.violations == 0,
                note=details,
            )
        )
        recorded, answered = sum(found.orders.values()), systems.answered_201[system]
        bound = systems.unanswered_bound[system]
        rows.append(
            row(
                scenario,
                f"orders recorded - 201 answers ({system})",
                recorded - answered,
                "orders",
                target=f"0 to {bound}",
                met=0 <= recorded - answered <= bound,
                note=f"{recorded} orders recorded, {answered} answered 201. wrk stops with a "
                "request in flight on each connection, which the server still records: "
                f"at most {bound} (connections of every run + socket errors) may go unseen; "
                "fewer recorded than answered would be a lost order",
            )
        )
        if system == OURS:
            rows.append(
                row(
                    scenario,
                    "inventory read model ≠ event store (ours)",
                    len(found.read_model_mismatched),
                    "items",
                    target="= 0",
                    met=not found.read_model_mismatched,
                    note=f"first: {found.read_model_mismatched[:5]}",
                )
            )
    return rows
