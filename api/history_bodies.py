"""Bodies of the audit endpoints and commands: event data made JSON-safe, correlation
metadata, stock movements."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from command_side.history import HistoryEntry

from .order_serializers import iso_utc


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def entry_body(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "type": entry.type,
        "recorded_at": iso_utc(entry.recorded_at),
        "position": entry.position,
        "data": jsonable(entry.data),
        "metadata": entry.metadata,
    }


def metadata_line(metadata: dict[str, str | None]) -> str:
    """The audit commands' `correlation=<id> cause=<event id>`; "-" for what was not recorded."""
    correlation, cause = metadata["correlation_id"] or "-", metadata["causation_id"] or "-"
    return f"correlation={correlation} cause={cause}"


def movement_body(entry: HistoryEntry) -> dict[str, Any]:
    """A stock movement with the running quantity after it."""
    data = entry.data
    change = {
        "StockReceived": data.get("quantity"),
        "StockItemReserved": -data.get("quantity", 0),
        "StockReleased": data.get("quantity"),
        "StockAdjusted": data.get("delta"),
    }
    return {
        **entry_body(entry),
        "quantity_change": change.get(entry.type, 0),
        "quantity_after": data.get("quantity_after", 0),
        "order_id": str(data["order_id"]) if "order_id" in data else None,
    }
