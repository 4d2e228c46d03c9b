"""A measurement, not a route of the service: GET /api/search/suggest/ as a plain Django view
around the service's own parts (the suggest throttle, `min_position`, the replica router, the
stamped cache, the selector), without DRF, so that bench/request_cost.py can count what leaving
DRF for the keystroke endpoint would save (docs/decisions/022). Only the 200 path is the
service's: a refused `q` or a throttled client raise here instead of answering problem+json,
which a real implementation would have to build, with its OpenAPI description.
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from api.query_params import suggest_query
from api.throttles import SuggestThrottle
from api.views.queries import ProductSuggestApi
from query_side.cache_keys import cached
from query_side.read_replicas import served_by_replica
from query_side.search.suggestion_keys import normalise
from query_side.selectors.suggest import product_suggestions

_api = ProductSuggestApi()  # its fresh_enough and storable, which read only query_params


def suggest(request: HttpRequest) -> JsonResponse:
    if not SuggestThrottle().allow_request(request, None):
        raise RuntimeError("throttled: the measurement raises SUGGEST_RATE and SUGGEST_BURST")

    def read() -> JsonResponse:
        q = suggest_query(request.GET)
        position = _api.fresh_enough(SimpleNamespace(query_params=request.GET))
        needle = hashlib.sha1(normalise(q).encode()).hexdigest()
        suggestions = cached(
            "search",
            0,
            ("suggest", needle),
            lambda: product_suggestions(q),
            None,
            position,
            storable=_api.storable,
        )
        return JsonResponse({"query": q, "suggestions": suggestions})

    return served_by_replica(read)


urlpatterns = [
    path("lean/api/search/suggest/", suggest, name="product-suggest-lean"),
    path("", include("aforro_backend.urls")),
]
