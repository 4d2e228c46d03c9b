"""`POST /orders/`: place an order (API.md)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.place_order import place_order

from ..errors import problem
from ..order_serializers import MAX_IDEMPOTENCY_KEY, PlaceOrderSerializer, outcome_body


class OrderPlaceApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

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
