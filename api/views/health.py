"""`GET /health/`: the database, cache, event store, every projection's lag and worker and every
read replica's rotation, with one overall status: `unavailable` (503) when orders cannot be
taken, `degraded` (200) when the service answers but something behind it is missing, `ok`
otherwise. May import command_side,
query_side and the composition root."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context
from command_side.positions import event_store_head as stored_head
from query_side.projection_names import MONITORED
from query_side.replica_rotation import ROTATION
from query_side.selectors.health import cache_ok, database_ok, projection_health

from .. import schema, schema_examples


def event_store_head() -> int | None:
    try:
        return stored_head(command_context())
    except Exception:
        return None


def overall_status(
    database: bool, event_store: bool, cache: bool, projections: dict, replicas: list[dict]
) -> str:
    """Without the database or the event store no order can be taken; without the cache, a
    projection's worker or a replica the service still answers, slower, with reads falling
    behind, or with the replica's reads on the primary."""
    if not (database and event_store):
        return "unavailable"
    if not cache or any(p["worker"] != "ok" for p in projections.values()):
        return "degraded"
    if any(not replica["in_rotation"] for replica in replicas):
        return "degraded"
    return "ok"


def replica_states() -> list[dict]:
    """This process's view of the read replicas (its prober's last round)."""
    return [
        {
            "alias": state.alias,
            "in_rotation": state.in_rotation,
            "lag_seconds": state.lag_seconds,
            "error": state.error,
        }
        for state in ROTATION.states()
    ]


def state(up: bool) -> str:
    return "ok" if up else "unavailable"


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="health",
        tags=["operations"],
        summary="Overall status, dependencies, projection lag and workers",
        responses={
            **schema.ok(
                schema.HealthSerializer,
                "`ok`, or `degraded`: the cache or a projection's worker is missing.",
            ),
            **schema.ok(
                schema.HealthSerializer,
                "`unavailable`: the database or the event store is down (named in the body).",
                503,
            ),
            **schema.problems(400, notes={400: "A malformed request, e.g. an unserved Host."}),
        },
        examples=schema_examples.HEALTH_STATES,
    )
    def get(self, request: Request) -> Response:
        database, cache = database_ok(), cache_ok()
        head = event_store_head()
        up = database and head is not None
        projections = projection_health(list(MONITORED), head) if up else {}
        replicas = replica_states()
        status = overall_status(database, head is not None, cache, projections, replicas)
        body = {
            "status": status,
            "database": state(database),
            "cache": state(cache),
            "event_store": state(head is not None),
            "projections": projections,
            "replicas": replicas,
        }
        return Response(body, status=503 if status == "unavailable" else 200)
