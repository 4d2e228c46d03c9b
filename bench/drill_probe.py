"""Audit of the event store after a drill, run in a subprocess with the drill's settings
(`python -m bench.drill_probe`): prints one JSON object.

- every order is OrderPlaced followed by exactly one of StockReserved / OrderRejected;
- every stock item's history chains: StockReceived.quantity_after = previous + quantity,
  StockItemReserved.quantity_after = previous - quantity, never below 0;
- the reservations recorded on stock items are exactly the lines of the confirmed orders (all
  lines reserved or none: nothing half-written).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

LIMIT = 5  # examples shown per problem


def audit() -> dict:
    from events.config import event_store_reader
    from events.orders import OrderPlaced, OrderRejected, StockReserved
    from events.stock import StockItemOpened, StockItemReserved, StockReceived

    app = event_store_reader()
    histories: dict = defaultdict(list)
    head, start = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=2000)
        for n in notifications:
            event = app.mapper.to_domain_event(n)
            histories[event.originator_id].append((event.originator_version, event))
            head = n.id
        if len(notifications) < 2000:
            break
        start = notifications[-1].id + 1

    shapes = {(OrderPlaced, StockReserved): "CONFIRMED", (OrderPlaced, OrderRejected): "REJECTED"}
    stock_kinds = (StockItemOpened, StockReceived, StockItemReserved)
    orders: Counter[str] = Counter()
    bad_orders, chain_breaks, negative = [], [], []
    ordered_lines: dict = {}
    reserved_lines: dict = defaultdict(set)
    for aggregate_id, history in histories.items():
        events = [e for _, e in sorted(history, key=lambda pair: pair[0])]
        if isinstance(events[0], OrderPlaced):
            status = shapes.get(tuple(type(e) for e in events))
            orders[status or "MALFORMED"] += 1
            if status is None:
                bad_orders.append([str(aggregate_id), [type(e).__name__ for e in events]])
            elif status == "CONFIRMED":
                ordered_lines[aggregate_id] = {
                    (events[0].store_id, line["product_id"], line["quantity_requested"])
                    for line in events[0].lines
                }
        elif isinstance(events[0], stock_kinds):
            quantity = 0
            for event in events:
                if isinstance(event, StockReceived | StockItemReserved):
                    sign = 1 if isinstance(event, StockReceived) else -1
                    if event.quantity_after != quantity + sign * event.quantity:
                        chain_breaks.append([str(aggregate_id), event.originator_version])
                    quantity = event.quantity_after
                    if quantity < 0:
                        negative.append([str(aggregate_id), event.originator_version])
                if isinstance(event, StockItemReserved):
                    reserved_lines[event.order_id].add(
                        (event.store_id, event.product_id, event.quantity)
                    )
    mismatched = [
        str(order_id)
        for order_id in set(ordered_lines) | set(reserved_lines)
        if ordered_lines.get(order_id) != reserved_lines.get(order_id)
    ]
    return {
        "head": head,
        "orders": dict(orders),
        "malformed_orders": len(bad_orders),
        "malformed_examples": bad_orders[:LIMIT],
        "stock_items": sum(1 for h in histories.values() if isinstance(h[0][1], stock_kinds)),
        "chain_breaks": len(chain_breaks),
        "chain_examples": chain_breaks[:LIMIT],
        "negative": len(negative),
        "reservation_mismatches": len(mismatched),
        "reservation_examples": mismatched[:LIMIT],
    }


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")

    django.setup()
    print(json.dumps(audit()))
