"""A measurement, not a route of the service: GET /api/search/suggest/ as a plain Django view
around the service's own parts (the suggest throttle, `min_position`, the replica router, the
stamped cache, the selector), without DRF, so that bench/request_cost.py can count what leaving
DRF for the keystroke endpoint would save (docs/decisions/022). Only the 200 path is the
service's: a refused `q` or a throttled client raise here instead of answering problem+json,
which a real implementation would have to build, with its OpenAPI description.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from api.throttles import SuggestThrottle
from api.views.queries import ProductSuggestApi
from query_side.read_replicas import served_by_replica

_api = ProductSuggestApi()  # its answer() reads only the query string


def suggest(request: HttpRequest) -> JsonResponse:
    if not SuggestThrottle().allow_request(request, None):
        raise RuntimeError("throttled: the measurement raises SUGGEST_RATE and SUGGEST_BURST")
    return served_by_replica(lambda: JsonResponse(_api.answer(request.GET)))


urlpatterns = [
    path("lean/api/search/suggest/", suggest, name="product-suggest-lean"),
    path("", include("aforro_backend.urls")),
]
