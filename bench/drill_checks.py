"""What the drills check and how a drill records it: PASS/FAIL checks with their evidence, and
the checks several drills share (read tables vs a replay, checkpoints vs head, answered orders
in the read side, the event-store audit of `drill_probe`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import psycopg

from .drill_services import Stack, query
from .procs import PYTHON, run_command

READ_TABLES = (
    "read_store",
    "read_category",
    "read_product",
    "read_inventory",
    "read_suggestion",
    "read_search_posting",
    "read_search_lexeme",
    "read_order",
    "read_order_line",
)
PROJECTIONS = ("catalog", "store_orders", "notifier")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class DrillResult:
    name: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        print(f"  [{'PASS' if passed else 'FAIL'}] {name}" + (f": {detail}" if detail else ""))
        return bool(passed)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  - {text}")


def examples(items: list, limit: int = 3) -> str:
    """The first few items as evidence ("(e.g. a, b, c)"), or "" when there are none."""
    return f" (e.g. {', '.join(str(i) for i in items[:limit])})" if items else ""


def head(url: str) -> int:
    return query(url, "SELECT coalesce(max(notification_id), 0) FROM aforro_events")[0][0]


def checkpoints(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT name, position FROM read_projection_checkpoint"))


def check_checkpoints_at_head(drill: DrillResult, url: str, names=PROJECTIONS) -> bool:
    top, positions = head(url), checkpoints(url)
    behind = {n: positions.get(n) for n in names if positions.get(n) != top}
    detail = f"head {top}" + (f"; behind: {behind}" if behind else f", {', '.join(names)} at it")
    return drill.check("checkpoint == head", not behind, detail)


def wait_checkpoints_at_head(url: str, seconds: float, names=PROJECTIONS) -> float | None:
    """Seconds until every named checkpoint reached the head, or None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            top, positions = head(url), checkpoints(url)
            if all(positions.get(n) == top for n in names):
                return time.monotonic() - started
        except psycopg.Error:  # the server may still be starting
            pass
        time.sleep(0.25)
    return None


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every read table's rows, surrogate ids and generated columns left out, sorted."""
    tables = {}
    for table in READ_TABLES:
        columns = [
            c
            for (c,) in query(
                url,
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND column_name <> 'id' AND is_generated = 'NEVER' ORDER BY ordinal_position",
                (table,),
            )
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = query(url, f"SELECT {listed} FROM {table} ORDER BY {listed}")
        tables[table] = [tuple(json.dumps(v, sort_keys=True, default=str) for v in r) for r in rows]
    return tables


def check_replay_equal(drill: DrillResult, stack: Stack) -> bool:
    """Snapshot, rebuild every projection from position 0 (`replay_projections`), compare."""
    before = snapshot(stack.database_url)
    stack.manage("replay_projections", timeout=300)
    after = snapshot(stack.database_url)
    differences = []
    for table in READ_TABLES:
        if before[table] != after[table]:
            only_live = len(set(before[table]) - set(after[table]))
            only_replay = len(set(after[table]) - set(before[table]))
            differences.append(f"{table}: {only_live} rows only live, {only_replay} only replayed")
    sizes = ", ".join(f"{t.removeprefix('read_')} {len(before[t])}" for t in READ_TABLES)
    detail = "; ".join(differences) if differences else f"identical ({sizes} rows)"
    return drill.check("read tables == fresh replay", not differences, detail)


def check_answered_orders_projected(drill: DrillResult, url: str, answered: dict[str, str]):
    rows = dict(query(url, "SELECT order_id::text, status FROM read_order"))
    missing = [i for i in answered if i not in rows]
    wrong = [i for i in answered if i in rows and rows[i] != answered[i]]
    detail = f"{len(answered)} answered 201, {len(rows)} rows in read_order"
    if missing or wrong:
        detail += f"; missing {len(missing)}{examples(missing)}, wrong status {len(wrong)}"
        detail += examples(wrong)
    return drill.check(
        "every 201 order is in read_order with its status", not (missing or wrong), detail
    )


def audit_event_store(stack: Stack) -> dict:
    out = run_command([PYTHON, "-m", "bench.drill_probe"], stack.env, timeout=120)
    return json.loads(out.strip().splitlines()[-1])


def check_event_store(drill: DrillResult, stack: Stack) -> dict:
    """Orders complete (placed + exactly one outcome), stock chains consistent and ≥ 0,
    reservations = lines of confirmed orders."""
    audit = audit_event_store(stack)
    drill.check(
        "every order: OrderPlaced then exactly one of StockReserved/OrderRejected",
        audit["malformed_orders"] == 0,
        f"{audit['orders']}; {audit['malformed_orders']} malformed"
        + examples(audit["malformed_examples"]),
    )
    drill.check(
        "stock quantity_after chains consistent, none negative",
        audit["chain_breaks"] == 0 and audit["negative"] == 0,
        f"{audit['stock_items']} items, {audit['chain_breaks']} breaks"
        f"{examples(audit['chain_examples'])}, {audit['negative']} negative",
    )
    drill.check(
        "reservations == lines of confirmed orders (all or nothing)",
        audit["reservation_mismatches"] == 0,
        f"{audit['orders'].get('CONFIRMED', 0)} confirmed orders, "
        f"{audit['reservation_mismatches']} mismatches{examples(audit['reservation_examples'])}",
    )
    return audit


def confirmed_orders(url: str) -> int:
    return query(url, "SELECT count(*) FROM read_order WHERE status = 'CONFIRMED'")[0][0]


def confirmations_sent(url: str) -> int:
    return query(url, "SELECT count(*) FROM notify_order_confirmation_sent")[0][0]


def run_drill(result_name: str, stack_name: str, body) -> DrillResult:
    """Run `body(drill, stack)` on a fresh stack, always tearing the stack down."""
    drill = DrillResult(result_name)
    stack = Stack(stack_name)
    try:
        body(drill, stack)
    finally:
        stack.close()
    return drill
