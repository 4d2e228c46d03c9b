"""api.negotiation: a client that accepts anything gets JSON at once; every other Accept goes
through DRF's negotiation as before (a 406 for what no renderer makes)."""

import pytest

from .read_fixtures import assert_problem

pytestmark = [pytest.mark.api, pytest.mark.django_db]

URL = "/api/search/suggest/"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/*"])
def test_json_for_a_client_that_accepts_it(api_client, ctx, accept):
    headers = {} if accept is None else {"Accept": accept}
    response = api_client.get(URL, {"q": "mil"}, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"query": "mil", "suggestions": []}


def test_a_client_that_accepts_no_json_gets_406(api_client, ctx):
    response = api_client.get(URL, {"q": "mil"}, headers={"Accept": "text/html"})
    assert_problem(response, 406)


def test_a_format_parameter_is_still_negotiated(api_client, ctx):
    response = api_client.get(URL, {"q": "mil", "format": "xml"})
    assert response.status_code == 404
