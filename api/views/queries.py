"""Read endpoints: inventory, store orders, order detail, product search and suggestions."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.positions import event_store_head
from query_side.cache_keys import cached
from query_side.errors import PositionBeyondHead, ProjectionBehind, ProjectionStalled, UnknownOrder
from query_side.read_replicas import reading_from_replica, served_by_replica
from query_side.search.suggestion_keys import normalise
from query_side.selectors.inventory import store_inventory
from query_side.selectors.product_search import product_search
from query_side.selectors.projection_progress import (
    live_projections,
    primary_projection_position,
    projection_position,
    wait_for_position,
)
from query_side.selectors.store_orders import order_detail, store_orders
from query_side.selectors.suggest import product_suggestions
from query_side.wait_slots import WAITERS

from .. import schema, schema_examples
from .. import schema_parameters as params
from ..catalog_serializers import ReceiveStockSerializer
from ..direct_json import DirectJsonGet
from ..envelope import RenderedPage, envelope_response
from ..parsers import JSONBodyParser
from ..query_params import min_position, page_request, search_params, suggest_query
from ..throttles import SuggestThrottle
from .catalog import STAFF_HEADERS, STAFF_PROBLEMS, receive_stock_response

READ_PROBLEMS = (400, 404, 503)
STALE = (
    "`min_position` not served: the read model did not reach it within about 2 s, no live "
    "worker advances it, or too many reads already wait (`type` says which); or a backing "
    "service is unavailable."
)
PAST_HEAD = "or `min_position` past the event store's head (the detail says the head)"


def params_digest(request: Request) -> str:
    """A stable key for the query string (Python's hash() differs between processes);
    `min_position` is left out: the cached value itself records the position it was built at."""
    items = sorted(kv for kv in request.query_params.lists() if kv[0] != "min_position")
    return hashlib.sha1(urlencode(items, doseq=True).encode()).hexdigest()


def from_replica(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Serve a GET's reads from a replica in rotation (query_side.read_replicas), the whole
    handler on one database; run again once on the primary if the replica fails or does not
    reach `min_position` within the wait (the primary gets what is left of it), which is safe
    because a read handler writes nothing."""

    @functools.wraps(handler)
    def read(self: ReadApi, request: Request, *args, **kwargs) -> Response:
        return served_by_replica(lambda: handler(self, request, *args, **kwargs))

    return read


class ReadApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    projection = ""

    wait_ends: float | None = None  # when this request's wait for `min_position` runs out

    def fresh_enough(self, params: QueryDict) -> int | None:
        """`min_position` of the query string `params`, checked cheapest first: reached →
        answer; past the head → 400; no live worker → 503; else a bounded wait in one of a
        capped number of slots, 503 when none is free. Only a position that waiting can reach,
        with a worker to reach it, ever holds the request. The wait is one budget per request:
        a read run again on the primary after a replica's wait (query_side.read_replicas) waits
        only for what is left of it."""
        position = min_position(params)
        if position is None or projection_position(self.projection) >= position:
            return position
        head = event_store_head(command_context())
        if position > head:
            raise PositionBeyondHead(position, head)
        if self.projection not in live_projections([self.projection]):
            raise ProjectionStalled(self.projection)
        if self.wait_ends is None:
            self.wait_ends = time.monotonic() + settings.MIN_POSITION_WAIT_SECONDS
        timeout = self.wait_ends - time.monotonic()
        if timeout <= 0:  # spent on a replica: the look above was the last (no slot taken)
            raise ProjectionBehind(position)
        with WAITERS.hold(settings.MIN_POSITION_MAX_WAITERS):
            if not wait_for_position([self.projection], position, timeout=timeout):
                raise ProjectionBehind(position)
        return position

    def built_at(self) -> int:
        return projection_position(self.projection)

    def storable(self, position: int) -> bool:
        """May a value built at `position` be cached under the stamps read before it was built?
        From the primary, always. From a replica, only if it had replayed everything the primary
        had: the stamps may have been bumped for rows the replica has not replayed yet, and the
        old page would be served under the new stamps until the next bump."""
        return not reading_from_replica() or position >= primary_projection_position(
            self.projection
        )

    def store_listing(
        self, request: Request, kind: str, store_id: int, selector, default_size: int, cap: int
    ) -> Response:
        """One page of a store's listing, through the cache (see query_side.cache_keys)."""
        paging = page_request(request.query_params, default_size=default_size, cap=cap)
        position = self.fresh_enough(request.query_params)
        page = cached(
            kind,
            store_id,
            (paging.page, paging.page_size),
            lambda: RenderedPage.of(selector(store_id, paging)),
            self.built_at,
            position,
            storable=self.storable,
        )
        return envelope_response(request, page)


class StoreInventoryApi(ReadApi):
    """GET lists a store's stock for anyone; POST receives stock, for staff only."""

    projection = "catalog"
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    parser_classes = [JSONBodyParser]
    unknown_products_field = "product_id"

    def get_permissions(self) -> list:
        return [IsAdminUser()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="receive_stock",
        tags=["catalog (staff)"],
        summary="Receive stock into a store",
        description="Staff only. Adds units to the store's stock of a product (opening it on "
        "the first receipt) and answers with the new quantity.",
        request=ReceiveStockSerializer,
        parameters=[params.STORE_ID, *STAFF_HEADERS],
        responses={
            **schema.ok(schema.StockReceivedSerializer, "The store's new quantity.", 201),
            **schema.problems(
                *STAFF_PROBLEMS,
                404,
                notes={400: "Invalid body, or an unknown product id.", 404: "Unknown store."},
            ),
        },
        examples=schema_examples.RECEIVE_STOCK,
    )
    def post(self, request: Request, store_id: int) -> Response:
        return receive_stock_response(request, store_id)

    @extend_schema(
        operation_id="store_inventory",
        tags=["stock"],
        summary="A store's inventory, A to Z by product title",
        description="Public (any client). Cached for 60 s and invalidated when the projection "
        "changes the store's rows.",
        auth=[],
        parameters=[
            params.STORE_ID,
            *params.paging(100, 500),
            params.MIN_POSITION,
            params.retry_after(503),
        ],
        responses={
            **schema.ok(schema.page_of("Inventory", schema.InventoryRowSerializer), "One page."),
            **schema.problems(
                *READ_PROBLEMS,
                401,
                notes={
                    401: "An Authorization header with an invalid token (none is needed).",
                    404: "Unknown store, or a page past the end.",
                    503: STALE,
                },
            ),
        },
        examples=schema_examples.INVENTORY,
    )
    @from_replica
    def get(self, request: Request, store_id: int) -> Response:
        return self.store_listing(request, "inventory", store_id, store_inventory, 100, 500)


class StoreOrdersApi(ReadApi):
    projection = "store_orders"

    @extend_schema(
        operation_id="store_orders",
        tags=["orders"],
        summary="A store's orders, newest first",
        parameters=[
            params.STORE_ID,
            *params.paging(20, 100),
            params.MIN_POSITION,
            params.retry_after(503),
        ],
        responses={
            **schema.ok(schema.page_of("StoreOrders", schema.StoreOrderRowSerializer), "One page."),
            **schema.problems(
                *READ_PROBLEMS,
                notes={404: "Unknown store, or a page past the end.", 503: STALE},
            ),
        },
        examples=schema_examples.STORE_ORDERS,
    )
    @from_replica
    def get(self, request: Request, store_id: int) -> Response:
        return self.store_listing(request, "orders", store_id, store_orders, 20, 100)


class OrderDetailApi(ReadApi):
    projection = "store_orders"

    @extend_schema(
        operation_id="order_detail",
        tags=["orders"],
        summary="An order, as placing it answered",
        parameters=[
            params.ORDER_ID,
            params.MIN_POSITION,
            params.retry_after(503),
        ],
        responses={
            **schema.ok(schema.OrderSerializer, "The order from the read side."),
            **schema.problems(*READ_PROBLEMS, notes={404: "Unknown order.", 503: STALE}),
        },
        examples=schema_examples.ORDER_DETAIL,
    )
    @from_replica
    def get(self, request: Request, order_id: str) -> Response:
        # The route takes any segment, so a malformed id is a problem+json 404 like an unknown one.
        try:
            parsed = UUID(order_id)
        except ValueError:
            raise UnknownOrder(order_id) from None
        self.fresh_enough(request.query_params)
        return Response(order_detail(parsed))


class ProductSearchApi(ReadApi):
    projection = "catalog"

    @extend_schema(
        operation_id="product_search",
        tags=["search"],
        summary="Search products",
        description="With `q`, matches are counted exactly up to "
        f"{settings.SEARCH_COUNT_LIMIT:,}; past that `count` is {settings.SEARCH_COUNT_LIMIT:,}, "
        "`count_is_exact` is false and only the pages of the first "
        f"{settings.SEARCH_COUNT_LIMIT:,} matches are served: refine the query (another word, "
        "a category, a price range) to reach the others. A one-word search by relevance costs "
        "the same however many products match.",
        parameters=[
            *params.SEARCH,
            *params.paging(10, 100),
            params.MIN_POSITION,
            params.retry_after(503),
        ],
        responses={
            **schema.ok(schema.page_of("ProductSearch", schema.ProductHitSerializer), "One page."),
            **schema.problems(
                *READ_PROBLEMS,
                notes={
                    400: f"An invalid parameter, named in `errors`, {PAST_HEAD}.",
                    404: "A page past the end, or past the first "
                    f"{settings.SEARCH_COUNT_LIMIT:,} matches.",
                    503: STALE,
                },
            ),
        },
        examples=schema_examples.SEARCH,
    )
    @from_replica
    def get(self, request: Request) -> Response:
        params = search_params(request.query_params)
        position = self.fresh_enough(request.query_params)
        # Quantities in the answer (store_quantity, in_stock) age with that store's stock.
        if params.store_id is not None:
            depends = [("inventory", params.store_id)]
        else:
            depends = [("stock", 0)] if params.in_stock is not None else []
        page = cached(
            "search",
            0,
            (params_digest(request),),
            lambda: RenderedPage.of(product_search(params)),
            self.built_at,
            position,
            also_depends_on=depends,
            storable=self.storable,
        )
        return envelope_response(request, page)


class ProductSuggestApi(DirectJsonGet, ReadApi):
    """A plain GET skips DRF's request cycle (api.direct_json): every keystroke calls it."""

    projection = "catalog"
    throttle_classes = [SuggestThrottle]

    @extend_schema(
        operation_id="product_suggest",
        tags=["search"],
        summary="Title suggestions for autocomplete",
        description="Up to 10 distinct titles: those starting with `q`, then those with a word "
        "starting with `q` (shortest first in both groups), then those containing `q` elsewhere, "
        "then close (typo) matches. Case, accents and repeated spaces do not matter. Cached "
        "per query for 60 s and invalidated when the catalog's products change. Rate "
        "limited per client address: SUGGEST_RATE (default 120/min), and at most SUGGEST_BURST "
        "at once (default 30 per 10 s): room for one person typing.",
        parameters=[params.SUGGEST_Q, params.MIN_POSITION, params.retry_after(429, 503)],
        responses={
            **schema.ok(schema.SuggestionsSerializer, "Matching titles."),
            **schema.problems(
                400,
                429,
                503,
                notes={400: f"`q` too short or too long, {PAST_HEAD}.", 503: STALE},
            ),
        },
        examples=schema_examples.SUGGEST,
    )
    def get(self, request: Request) -> Response:
        return Response(self.direct_answer(request.query_params))

    def direct_answer(self, params: QueryDict) -> dict:
        return served_by_replica(lambda: self.answer(params))

    def answer(self, params: QueryDict) -> dict:
        """The body of a 200 for the query string `params`."""
        q = suggest_query(params)
        position = self.fresh_enough(params)
        # Cached per prefix as typed after folding ("Mil " and "mil" share a value); any
        # change of the catalog's products bumps the version, as for search.
        needle = hashlib.sha1(normalise(q).encode()).hexdigest()
        suggestions = cached(
            "search",
            0,
            ("suggest", needle),
            lambda: product_suggestions(q),
            None,  # read beside the titles
            position,
            storable=self.storable,
        )
        return {"query": q, "suggestions": suggestions}
