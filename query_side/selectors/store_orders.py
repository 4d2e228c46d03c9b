"""store_orders (newest first) and order_detail, from the store-orders read table."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from query_side.errors import UnknownOrder
from query_side.models import OrderRow

from .inventory import require_store
from .paging import Page, PageRequest, check_in_range


def iso_utc(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def store_orders(store_id: int, request: PageRequest) -> Page:
    require_store(store_id)
    orders = OrderRow.objects.filter(store_id=store_id).order_by("-created_at", "-order_id")
    count = orders.count()
    check_in_range(count, request)
    window = orders.values_list(
        "order_id", "status", "created_at", "total_items", "total_quantity"
    )[request.offset : request.offset + request.page_size]
    results = [
        {
            "id": str(oid),
            "status": status,
            "created_at": iso_utc(created),
            "total_items": items,
            "total_quantity": quantity,
        }
        for oid, status, created, items, quantity in window
    ]
    return Page(count, request.page, request.page_size, results)


def cancellation(order: OrderRow) -> dict[str, Any]:
    """When and why the order was cancelled; both null when it was not."""
    if order.cancelled_at is None:
        return {"cancelled_at": None, "cancellation_reason": None}
    return {
        "cancelled_at": iso_utc(order.cancelled_at),
        "cancellation_reason": order.cancellation_reason,
    }


def order_detail(order_id: UUID) -> dict[str, Any]:
    """The order as `POST /orders/` answered it, from the read side."""
    order = OrderRow.objects.filter(order_id=order_id).prefetch_related("lines").first()
    if order is None:
        raise UnknownOrder(order_id)
    lines = sorted(order.lines.all(), key=lambda line: line.line_no)
    return {
        "id": str(order.order_id),
        "store_id": order.store_id,
        "status": order.status,
        "created_at": iso_utc(order.created_at),
        "items": [
            {
                "product_id": line.product_id,
                "product_title": line.product_title,
                "quantity_requested": line.quantity_requested,
            }
            for line in lines
        ],
        "total_items": order.total_items,
        "total_quantity": order.total_quantity,
        "rejection_reasons": order.rejection_reasons,
        **cancellation(order),
        "position": order.position,
    }
