"""OpenAPI documentation only: the response shapes, parameters and error responses that the
views' `extend_schema` decorators name. Nothing here parses a request or renders a response.

May import DRF, drf-spectacular and the API's limits; never selectors or command handlers.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    inline_serializer,
)
from rest_framework import serializers

from command_side.order import INSUFFICIENT_STOCK, NOT_STOCKED

from .errors import PROBLEM_JSON

ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"]
REJECTION_CODES = [NOT_STOCKED, INSUFFICIENT_STOCK]
DEPENDENCY_STATES = ["ok", "unavailable"]
MONEY = {"max_digits": 10, "decimal_places": 2}


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the one error shape of every endpoint."""

    type = serializers.CharField(help_text="`/problems/<slug>`, e.g. `/problems/not-found`.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field or parameter name (`items[0].quantity_requested`).",
    )
    product_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Unknown product ids."
    )


class OrderLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_title = serializers.CharField()
    quantity_requested = serializers.IntegerField()


class RejectionReasonSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()
    code = serializers.ChoiceField(
        REJECTION_CODES,
        help_text="`NOT_STOCKED`: the store never stocked the product; `INSUFFICIENT_STOCK`: "
        "otherwise (also every reason of an order rejected before codes existed).",
    )


class OrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    store_id = serializers.IntegerField()
    status = serializers.ChoiceField(
        ORDER_STATUSES, help_text="`PENDING` only in a history state before the decision."
    )
    created_at = serializers.DateTimeField()
    items = OrderLineSerializer(many=True)
    total_items = serializers.IntegerField(help_text="Number of lines.")
    total_quantity = serializers.IntegerField(help_text="Sum of the units of every line.")
    rejection_reasons = RejectionReasonSerializer(many=True)
    cancelled_at = serializers.DateTimeField(allow_null=True, help_text="Null unless cancelled.")
    cancellation_reason = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        help_text="As sent when cancelling; null unless cancelled.",
    )
    position = serializers.IntegerField(help_text="Event position to pass as `min_position`.")


class StoreOpenedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.CharField()
    position = serializers.IntegerField()


class ProductRegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(**MONEY)
    category = serializers.CharField()
    position = serializers.IntegerField()


class StockReceivedSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    quantity = serializers.IntegerField(help_text="The store's quantity after the receipt.")
    position = serializers.IntegerField()


class InventoryRowSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_title = serializers.CharField()
    category = serializers.CharField()
    price = serializers.DecimalField(**MONEY)
    quantity = serializers.IntegerField()


class StoreOrderRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(ORDER_STATUSES)
    created_at = serializers.DateTimeField()
    total_items = serializers.IntegerField()
    total_quantity = serializers.IntegerField()


class ProductHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(**MONEY)
    category = serializers.CharField()
    created_at = serializers.DateTimeField()
    store_quantity = serializers.IntegerField(
        required=False, help_text="Only with `store_id`: that store's quantity (0 if none)."
    )


class EventMetadataSerializer(serializers.Serializer):
    correlation_id = serializers.CharField(
        allow_null=True,
        help_text="The X-Request-ID of the request that wrote the event (`run-…` for a "
        "management command run); null for events stored before it was recorded.",
    )
    causation_id = serializers.CharField(
        allow_null=True,
        help_text="The event that caused this one, as `<aggregate id>:<version>` (a "
        "reservation or rejection: its OrderPlaced; a release: its OrderCancelled); null for "
        "an event caused by the request itself.",
    )


class HistoryEntrySerializer(serializers.Serializer):
    version = serializers.IntegerField()
    type = serializers.CharField(help_text="Event class, e.g. `OrderPlaced`.")
    recorded_at = serializers.DateTimeField()
    position = serializers.IntegerField(allow_null=True)
    data = serializers.DictField(help_text="The event's own fields.")
    metadata = EventMetadataSerializer()


class StockMovementSerializer(HistoryEntrySerializer):
    quantity_change = serializers.IntegerField(
        help_text="+received, -reserved, +released, 0 otherwise."
    )
    quantity_after = serializers.IntegerField()
    order_id = serializers.UUIDField(allow_null=True)


class OrderAsOfSerializer(serializers.Serializer):
    as_of_version = serializers.IntegerField()
    state = OrderSerializer()
    events = HistoryEntrySerializer(many=True)


class SuggestionsSerializer(serializers.Serializer):
    query = serializers.CharField()
    suggestions = serializers.ListField(child=serializers.CharField(), max_length=10)


class ProjectionLagSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Last event folded; 0 before the first.")
    head = serializers.IntegerField()
    lag = serializers.IntegerField()
    worker = serializers.ChoiceField(
        ["ok", "missing"],
        help_text="`missing`: no worker heartbeat within PROJECTOR_STALE_SECONDS (default 15).",
    )


class ReplicaStateSerializer(serializers.Serializer):
    alias = serializers.CharField(help_text="`replica_<n>`: the n-th of DATABASE_REPLICA_URLS.")
    in_rotation = serializers.BooleanField(
        help_text="Reads go to it: it answers and lags at most REPLICA_MAX_LAG_SECONDS."
    )
    lag_seconds = serializers.FloatField(
        allow_null=True, help_text="Replay lag behind the primary; null while unknown."
    )
    error = serializers.CharField(allow_null=True, help_text="Why it is out of rotation.")


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        ["ok", "degraded", "unavailable"],
        help_text="`unavailable` (503): the database or the event store is down, orders cannot "
        "be taken. `degraded` (200): the cache, a projection's worker or a configured replica "
        "is missing (reads then go to the primary or another replica). `ok` (200).",
    )
    database = serializers.ChoiceField(DEPENDENCY_STATES)
    cache = serializers.ChoiceField(DEPENDENCY_STATES)
    event_store = serializers.ChoiceField(DEPENDENCY_STATES)
    projections = serializers.DictField(
        child=ProjectionLagSerializer(),
        help_text="Every projection, the notifier included; empty when `unavailable`.",
    )
    replicas = ReplicaStateSerializer(
        many=True,
        help_text="Every read replica (DATABASE_REPLICA_URLS) as this web process sees it; "
        "empty when none is configured.",
    )


ORDER_HISTORY = PolymorphicProxySerializer(
    component_name="OrderHistory",
    serializers=[HistoryEntrySerializer(many=True), OrderAsOfSerializer],
    resource_type_field_name=None,
    many=False,
)


def page_of(name: str, row: type[serializers.Serializer]) -> serializers.Serializer:
    """The list envelope shared by every list endpoint, with `row` as the results."""
    link = {"allow_null": True, "help_text": "Absolute URL of that page, or null."}
    return inline_serializer(
        name=f"{name}Page",
        fields={
            "count": serializers.IntegerField(
                help_text="Rows in the whole result; a lower bound when `count_is_exact` is false."
            ),
            "count_is_exact": serializers.BooleanField(
                help_text=f"False when a product search matched more than "
                f"{settings.SEARCH_COUNT_LIMIT:,} products: `count` is then "
                f"{settings.SEARCH_COUNT_LIMIT:,} and no page past them is served. Always true "
                "for the other lists."
            ),
            "page": serializers.IntegerField(),
            "page_size": serializers.IntegerField(),
            "total_pages": serializers.IntegerField(),
            "next": serializers.URLField(**link),
            "previous": serializers.URLField(**link),
            "results": row(many=True),
        },
    )


# status -> (default description, slug, title, detail, errors) of its problem+json answer
PROBLEMS: dict[int, tuple[str, str, str, str, dict[str, list[str]]]] = {
    400: (
        "Invalid input; `errors` names each bad field, parameter or header.",
        "validation-error",
        "Invalid request",
        "One or more fields are invalid.",
        {"page": ["Must be an integer."]},
    ),
    401: (
        "No token, or an invalid one.",
        "unauthorized",
        "Unauthorized",
        "Authentication credentials were not provided.",
        {},
    ),
    403: (
        "The token's user is not staff.",
        "forbidden",
        "Forbidden",
        "You do not have permission to perform this action.",
        {},
    ),
    404: ("Unknown resource.", "not-found", "Not found", "Store 99 does not exist.", {}),
    409: (
        "The adjustment would take the quantity below zero; nothing was recorded.",
        "insufficient-stock",
        "Insufficient stock",
        "An adjustment of -5 would take the quantity 3 below 0.",
        {"delta": ["An adjustment of -5 would take the quantity 3 below 0."]},
    ),
    413: (
        "The body is larger than the server accepts.",
        "payload-too-large",
        "Payload too large",
        "The request body is larger than the server accepts.",
        {"body": ["The request body is larger than the server accepts."]},
    ),
    415: (
        "The body is not `application/json`.",
        "unsupported-media-type",
        "Unsupported media type",
        'Unsupported media type "text/plain" in request.',
        {"Content-Type": ['Unsupported media type "text/plain" in request.']},
    ),
    422: (
        "The Idempotency-Key was already used with a different body.",
        "idempotency-key-reused",
        "Idempotency-Key reused",
        "This Idempotency-Key was already used with a different request body.",
        {},
    ),
    429: (
        "Too many requests from this client IP; retry after Retry-After seconds.",
        "too-many-requests",
        "Too many requests",
        "Request was throttled. Expected available in 3 seconds.",
        {},
    ),
    503: (
        "A backing service is unavailable or too busy; retry after Retry-After seconds.",
        "unavailable",
        "Service unavailable",
        "A backing service is unavailable; retry shortly.",
        {},
    ),
}


# Problems that share a status with one above but not its type: named by their slug.
PROBLEM_VARIANTS: dict[str, tuple[int, tuple[str, str, str, str, dict[str, list[str]]]]] = {
    "order-not-cancellable": (
        409,
        (
            "Only a CONFIRMED order can be cancelled.",
            "order-not-cancellable",
            "Order not cancellable",
            "Order 7d0c6f0e-3b7a-4d59-9b8e-2f7c1a0b6e21 is REJECTED; only a CONFIRMED order can "
            "be cancelled.",
            {},
        ),
    ),
}


def problems(*codes: int | str, notes: dict[int, str] | None = None) -> dict:
    """problem+json responses for `codes` (statuses, or slugs of PROBLEM_VARIANTS); `notes`
    replace the default descriptions."""
    responses = {}
    for named in codes:
        code, problem = (
            PROBLEM_VARIANTS[named] if isinstance(named, str) else (named, PROBLEMS[named])
        )
        description, slug, title, detail, errors = problem
        body = {"type": f"/problems/{slug}", "title": title, "status": code, "detail": detail}
        example = OpenApiExample(title, value={**body, "errors": errors})
        responses[(code, PROBLEM_JSON)] = OpenApiResponse(
            ProblemSerializer,
            description=(notes or {}).get(code, description),
            examples=[example],
        )
    return responses


def ok(serializer: object, description: str, code: int = 200) -> dict:
    return {(code, "application/json"): OpenApiResponse(serializer, description=description)}
