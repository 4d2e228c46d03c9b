"""OpenAPI documentation only: the query and header parameters of the endpoints, and the
response headers they promise. May import the API's limits; nothing that handles a request.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from query_side.search.postings import MAX_EXPANSION

from .fields import MAX_ID
from .order_serializers import MAX_IDEMPOTENCY_KEY
from .query_params import MAX_INT, MAX_POSITION
from .schema_examples import ORDER_ID as ORDER_EXAMPLE_ID


def _integer(minimum: int, maximum: int | None = None, **extra: object) -> dict:
    schema = {"type": "integer", "minimum": minimum, **extra}
    return schema if maximum is None else {**schema, "maximum": maximum}


def _query(name: str, schema: dict, description: str, **kwargs: object) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description, **kwargs)


MIN_POSITION = _query(
    "min_position",
    _integer(0, MAX_POSITION),
    "Read your writes: wait (about 2 s at most) until the read model has processed this event "
    "position, e.g. the `position` a command answered; 503 `not-yet-projected` with Retry-After "
    "if it has not. Only a wait that can succeed holds the request: a position past the event "
    "store's head is a 400 at once (`errors.min_position` says the head); 503 with Retry-After "
    "at once when no live worker advances the read model (`projection-stalled`) or too many "
    "reads already wait (`too-many-waiting`).",
)
PAGE = _query("page", _integer(1, MAX_INT), "Page number from 1; a page past the end is a 404.")


def paging(default: int, cap: int) -> list[OpenApiParameter]:
    """`page` and `page_size` of a list endpoint with its default and cap."""
    size = _query(
        "page_size",
        _integer(1, default=default),
        f"Rows per page (default {default}); larger values are clamped to {cap}.",
    )
    return [PAGE, size]


SEARCH = [
    _query(
        "q",
        {"type": "string", "maxLength": 200},
        "Keywords over title, description and category; typo-tolerant (`mlik` finds milk). "
        "The last word is a prefix (`choc` finds chocolate); a one-word search reads the "
        f"{MAX_EXPANSION} commonest indexed words starting with it, at most, and ranks a "
        "product by the best of them.",
        examples=[OpenApiExample("Keyword", value="milk")],
    ),
    _query(
        "category",
        {"type": "string", "maxLength": 100},
        f"Category name (case-insensitive) or numeric category id (1 to {MAX_INT}).",
    ),
    _query("min_price", {"type": "number", "minimum": 0, "maximum": 99999999.99}, "Lowest price."),
    _query("max_price", {"type": "number", "minimum": 0, "maximum": 99999999.99}, "Highest price."),
    _query(
        "store_id",
        _integer(1, MAX_ID),
        "Adds `store_quantity` (that store's stock) to every row; scopes `in_stock`.",
    ),
    _query(
        "in_stock",
        {"type": "boolean"},
        "true: quantity > 0 in `store_id`, or in any store without it; false: the others.",
    ),
    _query(
        "sort",
        {"type": "string", "enum": ["relevance", "price", "-price", "newest"]},
        "Default `relevance` with `q`, `newest` without.",
    ),
]
SUGGEST_Q = _query(
    "q",
    {"type": "string", "minLength": 3, "maxLength": 100},
    "At least 3 characters (after trimming spaces).",
    required=True,
    examples=[OpenApiExample("Prefix", value="mil")],
)
AS_OF_VERSION = _query(
    "as_of_version",
    _integer(1, MAX_INT),
    "Adds the order's state as of that version; past the last version is a 400.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
    OpenApiParameter.HEADER,
    description="Same key and body again: the first answer (200, `Idempotent-Replayed: true`), "
    "no second order. Same key, another body: 422.",
    examples=[OpenApiExample("Key", value="3f2c9a4e-basket-17")],
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=[200],
    required=True,
    description="This is the stored answer to an earlier request with the same key.",
)


def retry_after(*codes: int) -> OpenApiParameter:
    return OpenApiParameter(
        "Retry-After",
        _integer(1),
        OpenApiParameter.HEADER,
        response=list(codes),
        required=True,
        description="Seconds to wait before retrying.",
    )


WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    {"type": "string", "enum": ["Token"]},
    OpenApiParameter.HEADER,
    response=[401],
    required=True,
    description="The scheme to authenticate with: `Authorization: Token <key>`.",
)


def _path(name: str, schema: dict, description: str, example: object) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        schema,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample("Example", value=example)],
    )


STORE_ID = _path("store_id", _integer(1, MAX_ID), "Store id.", 1)
PRODUCT_ID = _path("product_id", _integer(1, MAX_ID), "Product id.", 1)
ORDER_ID = _path(
    "order_id",
    {"type": "string", "format": "uuid"},
    "Order id (a UUID; anything else is an unknown order).",
    ORDER_EXAMPLE_ID,
)


def allow_empty_query_values(result: dict, generator: object, **kwargs: object) -> dict:
    """drf-spectacular postprocessing hook: an optional query parameter sent empty (`?page=`)
    counts as absent (api.query_params), so the schema says `allowEmptyValue`."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
