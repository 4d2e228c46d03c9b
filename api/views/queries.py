"""Read endpoints: inventory, store orders, order detail, product search and suggestions."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from query_side.cache_keys import cached
from query_side.errors import ProjectionBehind
from query_side.selectors.inventory import store_inventory
from query_side.selectors.product_search import product_search
from query_side.selectors.projection_progress import projection_position, wait_for_position
from query_side.selectors.store_orders import order_detail, store_orders
from query_side.selectors.suggest import product_suggestions

from ..envelope import envelope
from ..query_params import min_position, page_request, search_params
from .catalog import receive_stock_response


def params_digest(request: Request) -> str:
    """A stable key for the query string (Python's hash() differs between processes)."""
    items = sorted(request.query_params.lists())
    return hashlib.sha1(urlencode(items, doseq=True).encode()).hexdigest()


class ReadApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    projection = ""

    def fresh_enough(self, request: Request) -> int | None:
        """Wait (bounded) until the projection has processed `min_position`, else 503."""
        position = min_position(request.query_params)
        if position is not None and not wait_for_position(
            [self.projection], position, timeout=settings.MIN_POSITION_WAIT_SECONDS
        ):
            raise ProjectionBehind(position)
        return position

    def built_at(self) -> int:
        return projection_position(self.projection)


class StoreInventoryApi(ReadApi):
    """GET lists a store's stock for anyone; POST receives stock, for staff only."""

    projection = "catalog"
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    unknown_products_field = "product_id"

    def get_permissions(self) -> list:
        return [IsAdminUser()] if self.request.method == "POST" else []

    def post(self, request: Request, store_id: int) -> Response:
        return receive_stock_response(request, store_id)

    def get(self, request: Request, store_id: int) -> Response:
        paging = page_request(request.query_params, default_size=100, cap=500)
        position = self.fresh_enough(request)
        page = cached(
            "inventory",
            store_id,
            (paging.page, paging.page_size),
            lambda: store_inventory(store_id, paging),
            self.built_at,
            position,
        )
        return Response(envelope(request, page))


class StoreOrdersApi(ReadApi):
    projection = "store_orders"

    def get(self, request: Request, store_id: int) -> Response:
        paging = page_request(request.query_params, default_size=20, cap=100)
        position = self.fresh_enough(request)
        page = cached(
            "orders",
            store_id,
            (paging.page, paging.page_size),
            lambda: store_orders(store_id, paging),
            self.built_at,
            position,
        )
        return Response(envelope(request, page))


class OrderDetailApi(ReadApi):
    projection = "store_orders"

    def get(self, request: Request, order_id: UUID) -> Response:
        self.fresh_enough(request)
        return Response(order_detail(order_id))


class ProductSearchApi(ReadApi):
    projection = "catalog"

    def get(self, request: Request) -> Response:
        params = search_params(request.query_params)
        position = self.fresh_enough(request)
        # Quantities in the answer (store_quantity, in_stock) age with that store's stock.
        if params.store_id is not None:
            depends = [("inventory", params.store_id)]
        else:
            depends = [("stock", 0)] if params.in_stock is not None else []
        page = cached(
            "search",
            0,
            (params_digest(request),),
            lambda: product_search(params),
            self.built_at,
            position,
            also_depends_on=depends,
        )
        return Response(envelope(request, page))


class SuggestThrottle(AnonRateThrottle):
    scope = "suggest"


class ProductSuggestApi(ReadApi):
    projection = "catalog"
    throttle_classes = [SuggestThrottle]

    def get(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        if len(q) < 3 or len(q) > 100:
            raise ValidationError({"q": ["Must be 3 to 100 characters."]})
        self.fresh_enough(request)
        return Response({"query": q, "suggestions": product_suggestions(q)})
