"""Event-store chores of the benchmarks, run in a subprocess with the service's own settings
(`python -m bench.es_tools top-up|stock`): the orchestrator never loads two Django projects."""

from __future__ import annotations

import argparse
import json
import sys


def top_up(batch_size: int = 500) -> None:
    """Receive TOP_UP units into every stock item of the bench catalog: StockItem.receive, as
    receive_stock does, but saved in batches of one atomic append each (seconds, not minutes)."""
    from aforro_backend.composition import command_context
    from command_side.ids import stock_item_id
    from command_side.stock import StockItem

    from . import dataset

    ctx = command_context()
    keys = list(dataset.initial_stock())
    for start in range(0, len(keys), batch_size):
        items = [
            ctx.app.load(StockItem, stock_item_id(s, p))
            for s, p in keys[start : start + batch_size]
        ]
        for item in items:
            item.receive(dataset.TOP_UP, ctx.clock())
        ctx.app.save(*items)
    print(json.dumps({"topped_up": len(keys), "units": dataset.TOP_UP}))


def stock() -> None:
    """Every bench stock item's quantity, loaded from the event store: [[store, product, qty]]."""
    from aforro_backend.composition import command_context
    from command_side.ids import stock_item_id
    from command_side.stock import StockItem

    from . import dataset

    app = command_context().app
    rows = []
    for store_id, product_id in dataset.initial_stock():
        item = app.load(StockItem, stock_item_id(store_id, product_id))
        rows.append([store_id, product_id, None if item is None else item.quantity])
    print(json.dumps(rows))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.es_tools", description=__doc__)
    parser.add_argument("task", choices=["top-up", "stock"])
    task = parser.parse_args(argv).task
    import django

    django.setup()
    top_up() if task == "top-up" else stock()


if __name__ == "__main__":
    main(sys.argv[1:])
