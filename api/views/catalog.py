"""Staff-only commands: `POST /stores/`, `POST /products/`, `POST /stores/<id>/inventory/`."""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side import catalog_commands as commands

from ..catalog_serializers import (
    OpenStoreSerializer,
    ReceiveStockSerializer,
    RegisterProductSerializer,
)


class StaffApi(APIView):
    permission_classes = [IsAdminUser]


class StoreOpenApi(StaffApi):
    def post(self, request: Request) -> Response:
        serializer = OpenStoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = commands.open_store(command_context(), **serializer.validated_data)
        store = saved.aggregate
        body = {
            "id": store.store_id,
            "name": store.name,
            "location": store.location,
            "position": saved.position,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ProductRegisterApi(StaffApi):
    def post(self, request: Request) -> Response:
        serializer = RegisterProductSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = commands.register_product(command_context(), **serializer.validated_data)
        product = saved.aggregate
        body = {
            "id": product.product_id,
            "title": product.title,
            "description": product.description,
            "price": f"{product.price:.2f}",
            "category": product.category,
            "position": saved.position,
        }
        return Response(body, status=status.HTTP_201_CREATED)


def receive_stock_response(request: Request, store_id: int) -> Response:
    """`POST /stores/<id>/inventory/` (the path's GET is the public inventory listing)."""
    serializer = ReceiveStockSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    saved = commands.receive_stock(
        command_context(), store_id, data["product_id"], data["quantity"]
    )
    body = {
        "store_id": store_id,
        "product_id": data["product_id"],
        "quantity": saved.aggregate.quantity,
        "position": saved.position,
    }
    return Response(body, status=status.HTTP_201_CREATED)
