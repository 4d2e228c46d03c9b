"""`GET /health/`: database, cache, event store and projection lag; 503 if a dependency is down."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.positions import event_store_head as stored_head
from query_side.selectors.health import cache_ok, checkpoints, database_ok

from .. import schema, schema_examples


def event_store_head() -> int | None:
    try:
        return stored_head(command_context())
    except Exception:
        return None


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="health",
        tags=["operations"],
        summary="Dependencies and projection lag",
        responses={
            **schema.ok(schema.HealthSerializer, "Every dependency is up."),
            **schema.ok(schema.HealthSerializer, "A dependency is down (named in the body).", 503),
            **schema.problems(400, notes={400: "A malformed request, e.g. an unserved Host."}),
        },
        examples=schema_examples.HEALTHY,
    )
    def get(self, request: Request) -> Response:
        database, cache = database_ok(), cache_ok()
        head = event_store_head()
        projections = {}
        if database and head is not None:
            projections = {
                name: {"position": position, "head": head, "lag": max(head - position, 0)}
                for name, position in checkpoints().items()
            }
        body = {
            "database": "ok" if database else "unavailable",
            "cache": "ok" if cache else "unavailable",
            "event_store": "ok" if head is not None else "unavailable",
            "projections": projections,
        }
        healthy = database and cache and head is not None
        return Response(body, status=200 if healthy else 503)
