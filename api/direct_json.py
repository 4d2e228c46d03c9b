"""A GET answered as JSON without DRF's request cycle, for the keystroke endpoint.

DRF's cycle (wrapping the request, negotiating, authenticating, checking permissions, building
and rendering a Response) cost about a fifth of a suggestion's in-process instructions
(decision 022). For the one case that makes up autocomplete traffic (a GET from
a client that accepts anything, api.negotiation) the view's throttles run on the plain Django
request and its body is rendered by the same JSON renderer DRF would pick. Everything else (any
other method or Accept header, and every error raised on the way, throttling included) goes
through DRF: the same exception handler, the same problem+json, the same headers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from rest_framework.views import APIView

from .negotiation import accepts_anything


class DirectJsonGet(APIView):
    """A view whose GET body is `direct_answer(query string)`; its `get` (written by the view,
    where its OpenAPI description goes) must answer the same. Only for views that authenticate
    nobody and check no permission: with either, every request goes through DRF."""

    def direct_answer(self, params: QueryDict) -> dict:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            request.method != "GET"
            or self.authentication_classes
            or self.permission_classes
            or not accepts_anything(request.META, request.GET)
        ):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request = args, kwargs, request
        self.headers = self.default_response_headers
        self.format_kwarg = self.get_format_suffix(
            **kwargs
        )  # as initial() would: negotiation reads it
        try:
            self.check_throttles(request)
            body = self.direct_answer(request.GET)
        except Exception as exc:
            return self.problem(exc)
        renderer = self.renderer_classes[0]()
        response = HttpResponse(renderer.render(body), content_type=renderer.media_type)
        self.response = self.finalize_response(request, response)
        return self.response

    def problem(self, exc: Exception) -> HttpResponse:
        """`exc` answered as DRF's dispatch answers it, on a DRF request built only now."""
        request = self.initialize_request(self.request, *self.args, **self.kwargs)
        self.request = request
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request, force=True
        )
        self.response = self.finalize_response(request, self.handle_exception(exc))
        return self.response
