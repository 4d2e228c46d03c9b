"""`POST /orders/` places an order, `POST /orders/<id>/cancel/` cancels one."""

from __future__ import annotations

import logging
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.cancel_order import CancelOrder, cancel_order
from command_side.errors import OrderNotFound
from command_side.place_order import OrderOutcome, place_order

from .. import schema, schema_examples, schema_parameters
from ..errors import problem
from ..order_serializers import (
    MAX_IDEMPOTENCY_KEY,
    CancelOrderSerializer,
    PlaceOrderSerializer,
    outcome_body,
)
from ..parsers import JSONBodyParser
from ..throttles import OrderThrottle

logger = logging.getLogger(__name__)


class OrderPlaceApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONBodyParser]
    throttle_classes = [OrderThrottle]

    @extend_schema(
        operation_id="place_order",
        tags=["orders"],
        summary="Place an order",
        description="Confirmed (stock reserved) or rejected (not stocked, or not enough): both "
        "are 201 with the same shape. Rate limited per client IP (ORDERS_RATE).",
        request=PlaceOrderSerializer,
        parameters=[
            schema_parameters.IDEMPOTENCY_KEY,
            schema_parameters.IDEMPOTENT_REPLAYED,
            schema_parameters.retry_after(429, 503),
        ],
        responses={
            **schema.ok(schema.OrderSerializer, "The order, confirmed or rejected.", 201),
            **schema.ok(schema.OrderSerializer, "The first answer to this Idempotency-Key."),
            **schema.problems(
                400,
                404,
                413,
                415,
                422,
                429,
                503,
                notes={
                    400: "Invalid body or Idempotency-Key, or an unknown product id "
                    "(`errors.items`, `product_ids`).",
                    404: "Unknown store.",
                },
            ),
        },
        examples=schema_examples.PLACE_ORDER,
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
            return problem(
                400,
                "validation-error",
                "Invalid request",
                "Idempotency-Key must be 1 to 200 characters.",
                {"Idempotency-Key": [f"Must be 1 to {MAX_IDEMPOTENCY_KEY} characters."]},
            )
        serializer = PlaceOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = logged("order placed", place_order(command_context(), serializer.to_command(key)))
        if outcome.replayed:
            return Response(
                outcome_body(outcome),
                status=status.HTTP_200_OK,
                headers={"Idempotent-Replayed": "true"},
            )
        return Response(outcome_body(outcome), status=status.HTTP_201_CREATED)


class OrderCancelApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONBodyParser]
    # One budget per client for order writes: cancels count against ORDERS_RATE too.
    throttle_classes = [OrderThrottle]

    @extend_schema(
        operation_id="cancel_order",
        tags=["orders"],
        summary="Cancel an order",
        description="A CONFIRMED order becomes CANCELLED and its reserved stock comes back, in "
        "one atomic append. Cancelling an already CANCELLED order answers the same body and "
        "writes nothing. Whoever holds the order id may cancel it. Rate limited per client IP "
        "(ORDERS_RATE, shared with placing orders).",
        request=CancelOrderSerializer,
        parameters=[schema_parameters.ORDER_ID, schema_parameters.retry_after(429, 503)],
        responses={
            **schema.ok(schema.OrderSerializer, "The cancelled order."),
            **schema.problems(
                400,
                404,
                "order-not-cancellable",
                413,
                415,
                429,
                503,
                notes={400: "Invalid body (`errors.reason`).", 404: "Unknown or malformed id."},
            ),
        },
        examples=schema_examples.CANCEL_ORDER,
    )
    def post(self, request: Request, order_id: str) -> Response:
        try:
            parsed = UUID(order_id)
        except ValueError:
            # The route takes any segment: a malformed id is unknown, like in GET /orders/<id>/.
            raise OrderNotFound(order_id) from None
        serializer = CancelOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data.get("reason", "")
        outcome = logged(
            "order cancelled", cancel_order(command_context(), CancelOrder(parsed, reason))
        )
        return Response(outcome_body(outcome), status=status.HTTP_200_OK)


def logged(action: str, outcome: OrderOutcome) -> OrderOutcome:
    """One line per order write, with the request id (log filter), order id and position."""
    logger.info(
        "%s status=%s replayed=%s",
        *(action, outcome.order.status, outcome.replayed),
        extra={"order_id": outcome.order.id, "position": outcome.position},
    )
    return outcome
