"""api.negotiation: a client that accepts anything gets JSON at once; every other Accept goes
through DRF's negotiation as before (a 406 for what no renderer makes). Search goes through DRF
with the shortcut; suggest answers such a client outside DRF (api.direct_json) and takes DRF's
negotiation for every other Accept."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation

from .read_fixtures import assert_problem

pytestmark = [pytest.mark.api, pytest.mark.django_db]

SUGGEST, SEARCH = "/api/search/suggest/", "/api/search/products/"
EMPTY = {
    SUGGEST: lambda body: body == {"query": "mil", "suggestions": []},
    SEARCH: lambda body: body["results"] == [] and body["count"] == 0,
}


@pytest.fixture
def negotiated(monkeypatch) -> list:
    """The requests DRF's full negotiation matched against the renderers."""
    calls: list = []
    real = DefaultContentNegotiation.select_renderer

    def counted(self, request, *args, **kwargs):
        calls.append(request)
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", counted)
    return calls


@pytest.mark.parametrize("url", [SUGGEST, SEARCH])
@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/*"])
def test_json_for_a_client_that_accepts_it(api_client, ctx, negotiated, url, accept):
    headers = {} if accept is None else {"Accept": accept}
    response = api_client.get(url, {"q": "mil"}, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert EMPTY[url](response.json()), response.json()
    # Only a specific Accept header is matched against the renderers.
    assert len(negotiated) == (0 if accept in (None, "*/*") else 1)


@pytest.mark.parametrize("url", [SUGGEST, SEARCH])
def test_a_client_that_accepts_no_json_gets_406(api_client, ctx, url):
    response = api_client.get(url, {"q": "mil"}, headers={"Accept": "text/html"})
    assert_problem(response, 406)


@pytest.mark.parametrize("url", [SUGGEST, SEARCH])
def test_a_format_parameter_is_still_negotiated(api_client, ctx, url):
    response = api_client.get(url, {"q": "mil", "format": "xml"})
    assert response.status_code == 404
