"""Audit endpoints, read from the event store: order history and stock movements."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.history import order_as_of, order_history, stock_history
from query_side.errors import UnknownOrder, UnknownStockItem
from query_side.selectors.paging import Page, check_in_range

from .. import schema, schema_examples
from .. import schema_parameters as params
from ..envelope import envelope
from ..history_bodies import entry_body, movement_body
from ..order_serializers import order_body
from ..query_params import integer, page_request


class OrderHistoryApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="order_history",
        tags=["audit"],
        summary="Every event of an order, oldest first (from the event store)",
        description="A list of events; with `as_of_version`, an object with the order's state "
        "as of that version and the events up to it.",
        parameters=[params.ORDER_ID, params.AS_OF_VERSION, params.retry_after(503)],
        responses={
            **schema.ok(schema.ORDER_HISTORY, "The events, or the state as of a version."),
            **schema.problems(
                400, 404, 503, notes={400: "Invalid `as_of_version`.", 404: "Unknown order."}
            ),
        },
        examples=schema_examples.ORDER_HISTORY,
    )
    def get(self, request: Request, order_id: UUID) -> Response:
        as_of = integer(request.query_params, "as_of_version")
        ctx = command_context()
        entries = order_history(ctx, order_id, up_to=as_of)  # as of N: versions <= N only
        if not entries:
            raise UnknownOrder(order_id)
        if as_of is None:
            return Response([entry_body(e) for e in entries])
        order = order_as_of(ctx, order_id, as_of) if len(entries) == as_of else None
        if order is None:
            raise ValidationError(
                {"as_of_version": [f"The order has versions 1 to {len(entries)}."]}
            )
        return Response(
            {
                "as_of_version": as_of,
                "state": order_body(order, entries[-1].position),
                "events": [entry_body(e) for e in entries],
            }
        )


class StockHistoryApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="stock_history",
        tags=["audit"],
        summary="Stock movements of a product in a store, with the running quantity",
        parameters=[
            params.STORE_ID,
            params.PRODUCT_ID,
            *params.paging(100, 500),
            params.retry_after(503),
        ],
        responses={
            **schema.ok(
                schema.page_of("StockHistory", schema.StockMovementSerializer), "One page."
            ),
            **schema.problems(
                400,
                404,
                503,
                notes={404: "The store never stocked that product, or a page past the end."},
            ),
        },
        examples=schema_examples.STOCK_HISTORY,
    )
    def get(self, request: Request, store_id: int, product_id: int) -> Response:
        paging = page_request(request.query_params, default_size=100, cap=500)
        count, entries = stock_history(
            command_context(), store_id, product_id, paging.offset, paging.page_size
        )
        if count == 0:
            raise UnknownStockItem(store_id, product_id)
        check_in_range(count, paging)
        page = Page(count, paging.page, paging.page_size, [movement_body(e) for e in entries])
        return Response(envelope(request, page))
