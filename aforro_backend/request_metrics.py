"""Per-request metrics: the django-prometheus request metrics that are not sums of each other,
recorded by one middleware, outermost, so the latency includes every other middleware.

django-prometheus' own pair of middlewares records twelve values per request (totals, by method,
by transport, by status, by charset, two body-size and two latency histograms, ...), most of them
sums of the others. In Prometheus' multiprocess mode each value is a locked write to a memory
mapped file: the pair cost 17% of a suggestion's in-process instructions (docs/decisions/022).
This keeps three, under the library's names, each labelled so the others can be summed from it:

- django_http_requests_total_by_view_transport_method_total{view,transport,method}
- django_http_responses_total_by_status_view_method_total{status,view,method}
- django_http_requests_latency_seconds_by_view_method{view,method} (a histogram)

and the library's exception counters, as it records them.
"""

from __future__ import annotations

from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time, TimeSince


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # (status, view, method) -> its response counter and latency histogram: the library's
        # labels() validates and locks on every call. Bounded: views are the named routes (or
        # "<unnamed view>"), methods the nine HTTP ones (or "<invalid method>").
        self._series: dict[tuple[int, str, str], tuple] = {}
        self._requests: dict[tuple[str, str, str], object] = {}

    def process_request(self, request) -> None:
        request.prometheus_after_middleware_event = Time()

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        view = self._get_view_name(request)
        key = (view, self._transport(request), self._method(request))
        requests = self._requests.get(key)
        if requests is None:
            requests = self._requests[key] = self.metrics.requests_by_view_transport_method.labels(
                view=view, transport=key[1], method=key[2]
            )
        requests.inc()

    def process_response(self, request, response):
        key = (response.status_code, self._get_view_name(request), self._method(request))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._children(*key)
        responses, latency = series
        responses.inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is not None:
            latency.observe(TimeSince(started))
        return response

    def _children(self, status: int, view: str, method: str) -> tuple:
        return (
            self.metrics.responses_by_status_view_method.labels(
                status=str(status), view=view, method=method
            ),
            self.metrics.requests_latency_by_view_method.labels(view=view, method=method),
        )

    def process_exception(self, request, exception) -> None:
        # Counted here; the latency of the 500 that follows is recorded by process_response.
        name = type(exception).__name__
        self.metrics.exceptions_by_type.labels(type=name).inc()
        if getattr(request, "resolver_match", None) is not None:
            self.metrics.exceptions_by_view.labels(view=self._get_view_name(request)).inc()
