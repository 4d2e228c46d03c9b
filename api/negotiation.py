"""DRF's content negotiation, answering at once for a client that accepts anything.

Most clients send no Accept header or `*/*` (fetch, curl, wrk, most HTTP libraries); DRF's
negotiation still parses the list and matches it against every renderer, about 4% of a
suggestion's in-process time. For them the answer is always the view's first renderer with its
own media type, which is what the full negotiation returns; anything else goes through it.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

ANYTHING = ("", "*/*")


class AcceptAnythingFirst(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            request.META.get("HTTP_ACCEPT", "") in ANYTHING
            and not format_suffix
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
