"""Schemathesis against the WSGI app: every documented operation and parameter, fuzzed.

Each operation gets valid and invalid requests built from the OpenAPI schema (its examples,
boundary values, then random ones); every answer must be a non-5xx the schema documents: its
status, content type, headers and body. FUZZ_MAX_EXAMPLES=500 digs deeper locally.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from api.schema_examples import ORDER_ID
from api.throttles import OrderThrottle, SuggestThrottle
from tests.api.read_fixtures import fresh_read_side, order, product, project, shop, stock

pytestmark = [pytest.mark.api, pytest.mark.django_db]

# The WSGI handler alone: aforro_backend.wsgi would also start projector threads.
APP = get_wsgi_application()
# As requests reach gunicorn behind the TLS proxy: outside the embedded mode, plain HTTP is
# redirected to HTTPS (settings, production hardening).
BEHIND_TLS = {"X-Forwarded-Proto": "https"}
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP, headers=BEHIND_TLS)


# The documented 503s of a read with `min_position`: no worker runs projections here, and the
# fuzzer asks for positions the projections have not reached.
MIN_POSITION_503 = {
    "/problems/not-yet-projected",
    "/problems/projection-stalled",
    "/problems/too-many-waiting",
}


def no_server_error(ctx, response, case) -> None:
    """Never a 5xx, except the documented 503s of a read with `min_position`."""
    behind = response.status_code == 503 and "min_position" in (case.query or {})
    if behind and response.json()["type"] in MIN_POSITION_503:
        return None
    return not_a_server_error(ctx, response, case)


def negative_data_rejected(ctx, response, case) -> None:
    """Invalid input is refused; a 414 (the request target too long, api/request_limits.py)
    refuses it before any parameter is read, which counts as refused too."""
    if response.status_code == 414:
        return None
    return checks.negative_data_rejection(ctx, response, case)


CHECKS = [
    no_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    negative_data_rejected,
    checks.ignored_auth,
    checks.unsupported_method,
]


@pytest.fixture
def catalog(ctx, monkeypatch) -> None:
    """Store 1, products 1..5 (1..4 stocked) and the example order, all projected."""
    fresh_read_side(ctx, monkeypatch)
    shop(ctx, 1)
    for product_id, title in enumerate(["Milk 1L", "Bread", "Butter", "Cheese", "Millet"], 1):
        product(ctx, product_id, title, price=f"{product_id}.50", description=f"Fresh {title}")
        if product_id < 5:
            stock(ctx, 1, product_id, 100)
    monkeypatch.setattr(ctx, "new_id", lambda: UUID(ORDER_ID))
    order(ctx, 1, (1, 2), (2, 1))
    monkeypatch.setattr(ctx, "new_id", uuid4)
    project()


@pytest.fixture
def wsgi_requests(settings) -> Iterator[None]:
    """Requests as Django's test client makes them: the test's transaction stays open, and a
    read with `min_position` ahead of the projections never waits ~2 s (past the head it is a
    400, without a live worker a 503 at once; the wait is short should a heartbeat appear)."""
    settings.MIN_POSITION_WAIT_SECONDS = 0.01
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(db, monkeypatch) -> dict[str, str]:
    """A staff token for the staff operations, and rate limits out of the fuzzer's way."""
    monkeypatch.setattr(OrderThrottle, "rate", "100000/min", raising=False)
    monkeypatch.setattr(SuggestThrottle, "rate", "100000/min", raising=False)
    cache.clear()
    user = User.objects.create_user("fuzz-staff", is_staff=True)
    return {**BEHIND_TLS, "Authorization": f"Token {Token.objects.create(user=user).key}"}


@SCHEMA.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")),
    deadline=None,
    database=None,
    # Fixtures are per operation on purpose (a fresh catalog each); schemas are large.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_only_what_the_schema_documents(
    case, catalog, wsgi_requests, staff_headers
):
    case.call_and_validate(headers=staff_headers, checks=CHECKS)
