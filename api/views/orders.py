"""`POST /orders/`: place an order (API.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.place_order import place_order

from .. import schema, schema_examples, schema_parameters
from ..errors import problem
from ..order_serializers import MAX_IDEMPOTENCY_KEY, PlaceOrderSerializer, outcome_body
from ..parsers import JSONBodyParser
from ..throttles import OrderThrottle


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
        outcome = place_order(command_context(), serializer.to_command(key))
        if outcome.replayed:
            return Response(
                outcome_body(outcome),
                status=status.HTTP_200_OK,
                headers={"Idempotent-Replayed": "true"},
            )
        return Response(outcome_body(outcome), status=status.HTTP_201_CREATED)
