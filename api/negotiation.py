"""DRF's content negotiation, answering at once for a client that accepts anything.

Most clients send no Accept header or `*/*` (fetch, curl, wrk, most HTTP libraries); DRF's
negotiation still parses the list and matches it against every renderer, about 4% of a
suggestion's in-process time. For them the answer is always the view's first renderer with its
own media type, which is what the full negotiation returns; anything else goes through it.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

ANYTHING = ("", "*/*")


def accepts_anything(meta: dict, query: QueryDict) -> bool:
    """No Accept header or `*/*`, and no `format` parameter asking for a renderer."""
    return meta.get("HTTP_ACCEPT", "") in ANYTHING and api_settings.URL_FORMAT_OVERRIDE not in query


class AcceptAnythingFirst(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if not format_suffix and accepts_anything(request.META, request.query_params):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
