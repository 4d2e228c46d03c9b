"""The conventional search and suggest, as a Django project usually starts them: `icontains` over
the product columns (a sequential scan), a full count, title matches first; no index, no cache.
Same URLs and answer shape as the service's, so one client script measures both."""

from __future__ import annotations

from math import ceil

from django.db.models import Case, IntegerField, Q, Value, When
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from .models import Product
from .views import _int_param

HIT_FIELDS = ("id", "title", "description", "price", "category", "created_at")


class ProductSearchView(APIView):
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        page = _int_param(request, "page", 1)
        size = min(_int_param(request, "page_size", 10), 100)
        products = Product.objects.all()
        if q:
            products = products.filter(
                Q(title__icontains=q) | Q(description__icontains=q) | Q(category__icontains=q)
            ).annotate(
                title_miss=Case(
                    When(title__icontains=q, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            products = products.order_by("title_miss", "id")
        else:
            products = products.order_by("id")
        count = products.count()
        results = list(products.values(*HIT_FIELDS)[(page - 1) * size : page * size])
        for hit in results:
            hit["price"] = f"{hit['price']:.2f}"
        url, total_pages = request.build_absolute_uri(), ceil(count / size)
        return Response(
            {
                "count": count,
                "page": page,
                "page_size": size,
                "total_pages": total_pages,
                "next": replace_query_param(url, "page", page + 1) if page < total_pages else None,
                "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
                "results": results,
            }
        )


class ProductSuggestView(APIView):
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not 3 <= len(q) <= 100:
            raise ValidationError({"q": ["Must be 3 to 100 characters."]})
        titles = Product.objects.filter(title__icontains=q).order_by("id")
        return Response(
            {"query": q, "suggestions": list(titles.values_list("title", flat=True)[:10])}
        )


class SuggestFloorView(APIView):
    """The framework's floor for a suggestion: the same URL shape and answer, through DRF, with
    no work at all (no database, no cache). bench/request_cost.py measures it."""

    def get(self, request: Request) -> Response:
        return Response({"query": request.query_params.get("q", ""), "suggestions": []})
