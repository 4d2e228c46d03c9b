"""Staff-only commands: `POST /stores/`, `POST /products/`, `POST /stores/<id>/inventory/`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side import catalog_commands as commands

from .. import schema, schema_examples, schema_parameters
from ..catalog_serializers import (
    OpenStoreSerializer,
    ReceiveStockSerializer,
    RegisterProductSerializer,
)
from ..parsers import JSONBodyParser

STAFF_PROBLEMS = (400, 401, 403, 413, 415, 503)
STAFF_HEADERS = [schema_parameters.WWW_AUTHENTICATE, schema_parameters.retry_after(503)]


class StaffApi(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [JSONBodyParser]


class StoreOpenApi(StaffApi):
    @extend_schema(
        operation_id="open_store",
        tags=["catalog (staff)"],
        summary="Open a store",
        description="Staff only. The store gets the next free store id.",
        request=OpenStoreSerializer,
        parameters=STAFF_HEADERS,
        responses={
            **schema.ok(schema.StoreOpenedSerializer, "The new store and its id.", 201),
            **schema.problems(*STAFF_PROBLEMS),
        },
        examples=schema_examples.OPEN_STORE,
    )
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
    @extend_schema(
        operation_id="register_product",
        tags=["catalog (staff)"],
        summary="Register a product",
        description="Staff only. The product gets the next free product id; `price` is a "
        'decimal string such as `"12.50"`.',
        request=RegisterProductSerializer,
        parameters=STAFF_HEADERS,
        responses={
            **schema.ok(schema.ProductRegisteredSerializer, "The new product and its id.", 201),
            **schema.problems(*STAFF_PROBLEMS),
        },
        examples=schema_examples.REGISTER_PRODUCT,
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterProductSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = commands.register_product(command_context(), **serializer.validated_data)
        return Response(product_body(saved), status=status.HTTP_201_CREATED)


def product_body(saved: commands.Saved) -> dict:
    product = saved.aggregate
    return {
        "id": product.product_id,
        "title": product.title,
        "description": product.description,
        "price": f"{product.price:.2f}",
        "category": product.category,
        "position": saved.position,
    }


def receive_stock_response(request: Request, store_id: int) -> Response:
    """`POST /stores/<id>/inventory/` (the path's GET is the public inventory listing)."""
    serializer = ReceiveStockSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    saved = commands.receive_stock(
        command_context(), store_id, data["product_id"], data["quantity"]
    )
    return Response(stock_body(saved), status=status.HTTP_201_CREATED)


def stock_body(saved: commands.Saved) -> dict:
    item = saved.aggregate
    return {
        "store_id": item.store_id,
        "product_id": item.product_id,
        "quantity": item.quantity,
        "position": saved.position,
    }
