"""The baseline's HTTP endpoints, written the usual DRF way."""

from __future__ import annotations

from math import ceil
from typing import Any

from django.core.cache import cache
from django.db.models.functions import Lower
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from . import inventory_cache
from .errors import IdempotencyKeyReused, StoreNotFound, UnknownProducts
from .models import Stock, Store
from .serializers import PlaceOrderSerializer
from .services import Placed, place_order

INVENTORY_FIELDS = {
    "product_id": "product_id",
    "product_title": "product__title",
    "category": "product__category",
    "price": "product__price",
    "quantity": "quantity",
}


def order_body(placed: Placed) -> dict[str, Any]:
    order = placed.order
    return {
        "id": str(order.id),
        "store_id": order.store_id,
        "status": order.status,
        "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
        "items": [
            {
                "product_id": item.product_id,
                "product_title": item.product_title,
                "quantity_requested": item.quantity_requested,
            }
            for item in placed.items
        ],
        "total_items": len(placed.items),
        "total_quantity": sum(item.quantity_requested for item in placed.items),
        "rejection_reasons": order.rejection_reasons,
    }


class OrderPlaceView(APIView):
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 200:
            raise ValidationError({"Idempotency-Key": ["Must be 1 to 200 characters."]})
        serializer = PlaceOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = [(i["product_id"], i["quantity_requested"]) for i in data["items"]]
        try:
            placed = place_order(data["store_id"], lines, key)
        except StoreNotFound:
            raise NotFound(f"Store {data['store_id']} does not exist.") from None
        except UnknownProducts as error:
            raise ValidationError({"items": [f"Unknown product {error.product_ids}."]}) from None
        except IdempotencyKeyReused:
            return Response({"detail": "Idempotency-Key reused with another body."}, status=422)
        if placed.replayed:
            return Response(order_body(placed), headers={"Idempotent-Replayed": "true"})
        return Response(order_body(placed), status=status.HTTP_201_CREATED)


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: ["Must be an integer of at least 1."]})
    return int(raw)


def inventory_page(store_id: int, page: int, size: int) -> dict[str, Any]:
    if not Store.objects.filter(pk=store_id).exists():
        raise NotFound(f"Store {store_id} does not exist.")
    rows = (
        Stock.objects.filter(store_id=store_id)
        .order_by(Lower("product__title"), "product_id")
        .values_list(*INVENTORY_FIELDS.values())
    )
    count = rows.count()
    if page > 1 and (page - 1) * size >= count:
        raise NotFound("Page out of range.")
    results = [
        dict(zip(INVENTORY_FIELDS, row, strict=True))
        for row in rows[(page - 1) * size : page * size]
    ]
    for row in results:
        row["price"] = f"{row['price']:.2f}"
    return {"count": count, "results": results}


class StoreInventoryView(APIView):
    def get(self, request: Request, store_id: int) -> Response:
        page = _int_param(request, "page", 1)
        size = min(_int_param(request, "page_size", 100), 500)
        data = inventory_cache.cached_page(
            store_id, page, size, lambda: inventory_page(store_id, page, size)
        )
        url = request.build_absolute_uri()
        total_pages = ceil(data["count"] / size)
        return Response(
            {
                "count": data["count"],
                "page": page,
                "page_size": size,
                "total_pages": total_pages,
                "next": replace_query_param(url, "page", page + 1) if page < total_pages else None,
                "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
                "results": data["results"],
            }
        )


class BareCachedListView(APIView):
    """The reference for cached reads: DRF returning a 50-row list straight from Redis."""

    def get(self, request: Request) -> Response:
        rows = cache.get("bare:list")
        if rows is None:
            rows = inventory_page(1, 1, 50)["results"]
            cache.set("bare:list", rows, 60)
        return Response(rows)


def plain_json(request: HttpRequest) -> JsonResponse:
    """The ceiling: a plain Django view, no DRF, no I/O."""
    return JsonResponse({"status": "ok"})
