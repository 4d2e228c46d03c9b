"""aforro_backend.request_metrics: per request, the request counter by view, the response
counter by status and view, and the latency histogram, under django-prometheus' names; none of
the library's redundant series (totals, by method, by transport, body sizes, ...)."""

import pytest
from prometheus_client import REGISTRY

pytestmark = [pytest.mark.api, pytest.mark.django_db]

REQUESTS = "django_http_requests_total_by_view_transport_method_total"
RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method_count"
# Series of the library's own middleware pair that are sums of the three above.
DROPPED = (
    "django_http_requests_before_middlewares_total",
    "django_http_responses_before_middlewares_total",
    "django_http_requests_total_by_method_total",
    "django_http_requests_total_by_transport_total",
    "django_http_responses_total_by_status_total",
    "django_http_responses_total_by_charset_total",
    "django_http_requests_body_total_bytes_count",
    "django_http_responses_body_total_bytes_count",
    "django_http_requests_latency_including_middlewares_seconds_count",
)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counts(view: str, status: str, method: str = "GET") -> tuple[float, float, float]:
    return (
        sample(REQUESTS, view=view, transport="http", method=method),
        sample(RESPONSES, status=status, view=view, method=method),
        sample(LATENCY, view=view, method=method),
    )


def test_a_request_counts_once_in_each_series(api_client, ctx):
    before = counts("product-suggest", "200")
    assert api_client.get("/api/search/suggest/", {"q": "mil"}).status_code == 200
    assert counts("product-suggest", "200") == tuple(n + 1 for n in before)


def test_an_error_answer_counts_under_its_status(api_client, ctx):
    before = counts("product-suggest", "400")
    assert api_client.get("/api/search/suggest/", {"q": "m"}).status_code == 400
    assert counts("product-suggest", "400") == tuple(n + 1 for n in before)


def test_an_unrouted_path_counts_its_response_under_no_view(api_client, ctx):
    before = sample(RESPONSES, status="404", view="<unnamed view>", method="GET")
    assert api_client.get("/no/such/route/").status_code == 404
    assert sample(RESPONSES, status="404", view="<unnamed view>", method="GET") == before + 1


def test_an_unknown_method_is_one_label_whatever_its_name(api_client, ctx):
    before = sample(RESPONSES, status="405", view="product-suggest", method="<invalid method>")
    for method in ("BREW", "WHEN", "PROPFIND"):
        response = api_client.generic(method, "/api/search/suggest/?q=mil")
        assert response.status_code == 405
    after = sample(RESPONSES, status="405", view="product-suggest", method="<invalid method>")
    assert after == before + 3


def test_the_library_s_redundant_series_are_not_recorded(api_client, ctx):
    api_client.get("/api/search/suggest/", {"q": "mil"})
    names = {s.name for metric in REGISTRY.collect() for s in metric.samples if s.value}
    assert not names & set(DROPPED)
