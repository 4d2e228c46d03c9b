"""`GET /metrics`: the request metrics of every gunicorn worker and the domain metrics
(aforro_backend/metrics.py), for the configured scrapers only.

The numbers (request rates, orders by status, projection lag) say how busy the shop is, so the
page is for the scrapers the operator names: client addresses in METRICS_ALLOWED_IPS (loopback by
default), or whoever sends `Authorization: Bearer <METRICS_BEARER_TOKEN>` when that is set.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST

from aforro_backend.metrics import exposition

from ..client_address import client_address
from ..errors import django_problem


def metrics(request: HttpRequest) -> HttpResponse:
    if not (bearer_token_matches(request) or address_allowed(client_address(request))):
        detail = "Metrics are served only to the configured scrapers."
        return django_problem(403, "forbidden", "Forbidden", detail)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def bearer_token_matches(request: HttpRequest) -> bool:
    expected = settings.METRICS_BEARER_TOKEN
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip  # "::ffff:127.0.0.1" from a dual-stack socket
    return any(ip in network for network in allowed_networks(settings.METRICS_ALLOWED_IPS))


@lru_cache(maxsize=4)
def allowed_networks(
    entries: tuple[str, ...],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]
