"""The client's address, as rate limits and the /metrics allowlist see it.

X-Forwarded-For is written by whoever sends the request, so only the entries our own reverse
proxies appended can be believed: the last NUM_PROXIES of the header, right to left. With
NUM_PROXIES=0 (the default) the header is ignored and the connecting address is the client.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the NUM_PROXIES-th X-Forwarded-For entry from the right."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted == 0 or not forwarded.strip():
        return remote_addr
    entries = [entry.strip() for entry in forwarded.split(",")]
    # Fewer entries than proxies: the request entered behind the outermost proxy, and the
    # left-most entry is the peer of the first proxy it met, appended by that proxy (falling
    # back to REMOTE_ADDR instead would give every such client the proxy's own address).
    return entries[-min(trusted, len(entries))] or remote_addr
