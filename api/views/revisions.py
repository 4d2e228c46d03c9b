"""Staff-only corrections: `PATCH /products/<id>/` and
`POST /stores/<id>/inventory/<product_id>/adjustments/`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from aforro_backend.composition import command_context
from command_side import catalog_commands as commands

from .. import schema, schema_examples, schema_parameters
from ..catalog_serializers import AdjustStockSerializer, ReviseProductSerializer
from .catalog import STAFF_HEADERS, STAFF_PROBLEMS, StaffApi, product_body, stock_body


class ProductReviseApi(StaffApi):
    @extend_schema(
        operation_id="revise_product",
        tags=["catalog (staff)"],
        summary="Revise a product",
        description="Staff only. Any of `title`, `description`, `price`, `category`; only the "
        "fields that change are recorded (`ProductRevised`), and a body that changes nothing "
        "records nothing. Inventory rows, search and suggestions follow once projected; orders "
        "keep the title and price they were placed with.",
        request=ReviseProductSerializer,
        parameters=[schema_parameters.PRODUCT_ID, *STAFF_HEADERS],
        responses={
            **schema.ok(schema.ProductRegisteredSerializer, "The product as now recorded."),
            **schema.problems(*STAFF_PROBLEMS, 404, notes={404: "Unknown product."}),
        },
        examples=schema_examples.REVISE_PRODUCT,
    )
    def patch(self, request: Request, product_id: int) -> Response:
        serializer = ReviseProductSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = commands.revise_product(command_context(), product_id, serializer.validated_data)
        return Response(product_body(saved))


class StockAdjustApi(StaffApi):
    @extend_schema(
        operation_id="adjust_stock",
        tags=["catalog (staff)"],
        summary="Adjust a store's stock of a product",
        description="Staff only. A signed correction with its reason (`StockAdjusted`); the "
        "quantity never goes below zero.",
        request=AdjustStockSerializer,
        parameters=[schema_parameters.STORE_ID, schema_parameters.PRODUCT_ID, *STAFF_HEADERS],
        responses={
            **schema.ok(schema.StockReceivedSerializer, "The store's new quantity.", 201),
            **schema.problems(
                *STAFF_PROBLEMS,
                404,
                409,
                notes={404: "The store never stocked the product."},
            ),
        },
        examples=schema_examples.ADJUST_STOCK,
    )
    def post(self, request: Request, store_id: int, product_id: int) -> Response:
        serializer = AdjustStockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = commands.adjust_stock(
            command_context(), store_id, product_id, data["delta"], data["reason"]
        )
        return Response(stock_body(saved), status=status.HTTP_201_CREATED)
