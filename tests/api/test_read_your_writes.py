"""`?min_position=N` on every read endpoint (docs/api-reference.md, Consistency): the answer waits
for the projection behind it to reach N, answers 503 with Retry-After when it does not in time, and
refuses a value that is not a position. Only a wait that can succeed holds the request: a position
past the event store's head is a 400 at once, a projection without a live worker or a full set of
waiting slots a 503 at once (each checked here with a wait of a minute that would otherwise time the
test out).
"""

import json
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.views.queries import StoreInventoryApi
from command_side.positions import event_store_head
from projections.heartbeat import record
from query_side.errors import ProjectionBehind
from query_side.models import ProjectionHeartbeat
from query_side.selectors.projection_progress import projection_position
from query_side.wait_slots import WAITERS

from .read_fixtures import (
    BackgroundProjectors,
    assert_problem,
    fresh_read_side,
    order,
    product,
    project,
    shop,
    start_when_the_read_polls,
    stock,
)

pytestmark = [pytest.mark.api, pytest.mark.django_db]

READS = {
    "inventory": ("/stores/1/inventory/", {}),
    "store orders": ("/stores/1/orders/", {}),
    "search": ("/api/search/products/", {"q": "milk"}),
    "suggest": ("/api/search/suggest/", {"q": "mil"}),
}


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


@pytest.fixture
def dairy(ctx):
    shop(ctx, 1)
    product(ctx, 1, "Milk 1L", "1.20")
    stock(ctx, 1, 1, 10)
    project()
    return ctx


@pytest.fixture
def projectors(transactional_db):
    background = BackgroundProjectors()
    yield background
    background.stop()


def post_order(api_client, quantity: int) -> dict:
    body = json.dumps({"store_id": 1, "items": [{"product_id": 1, "quantity_requested": quantity}]})
    response = api_client.post("/orders/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def read_when_projected(api_client, projectors, path: str, params: dict):
    """GET with the projectors started only once the request has found them behind."""
    with start_when_the_read_polls(projectors) as polls:
        response = api_client.get(path, params)
    assert polls() >= 2
    return response


@pytest.mark.django_db(transaction=True)
def test_order_detail_at_the_post_position_waits_for_the_order_to_be_projected(
    api_client, dairy, projectors
):
    placed = post_order(api_client, 2)
    path = f"/orders/{placed['id']}/"
    assert_problem(api_client.get(path), 404)  # not projected yet: no such order on the read side
    response = read_when_projected(
        api_client, projectors, path, {"min_position": placed["position"]}
    )
    assert response.status_code == 200
    assert response.json() == placed


@pytest.mark.django_db(transaction=True)
def test_store_orders_at_the_post_position_list_the_new_order(api_client, dairy, projectors):
    assert api_client.get("/stores/1/orders/").json()["count"] == 0  # cached empty
    placed = post_order(api_client, 2)
    response = read_when_projected(
        api_client, projectors, "/stores/1/orders/", {"min_position": placed["position"]}
    )
    assert [row["id"] for row in response.json()["results"]] == [placed["id"]]


@pytest.mark.django_db(transaction=True)
def test_search_at_the_post_position_shows_the_stores_new_quantity(api_client, dairy, projectors):
    params = {"q": "milk", "store_id": 1}
    assert search_quantity(api_client.get("/api/search/products/", params)) == 10  # cached
    placed = post_order(api_client, 4)
    assert projection_position("catalog") < placed["position"]
    response = read_when_projected(
        api_client,
        projectors,
        "/api/search/products/",
        {**params, "min_position": placed["position"]},
    )
    assert search_quantity(response) == 6


def search_quantity(response) -> int:
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    return row["store_quantity"]


@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_a_position_already_projected_answers_at_once(api_client, dairy, read):
    path, params = READS[read]
    reached = projection_position("catalog")
    response = api_client.get(path, {**params, "min_position": reached})
    assert response.status_code == 200
    assert api_client.get(path, {**params, "min_position": 0}).status_code == 200


ALL_READS = {**READS, "order detail": ("/orders/00000000-0000-4000-8000-000000000000/", {})}
WAIT_A_MINUTE = 60  # a read that waited would time the test out: an answer proves it did not
PROJECTIONS = ["catalog", "store_orders"]


@pytest.fixture
def unprojected(dairy) -> int:
    """An order nothing has projected yet: its position is within the head, not reached."""
    position = order(dairy, 1, (1, 2)).position
    assert min(projection_position(name) for name in PROJECTIONS) < position
    return position


def live_worker() -> None:
    """The heartbeat of a worker that runs every projection, however far behind it is."""
    record([*PROJECTIONS, "notifier"], "test-worker")


@pytest.mark.parametrize("read", ALL_READS)
def test_a_position_not_reached_in_time_is_503_with_retry_after(
    api_client, unprojected, settings, read
):
    settings.MIN_POSITION_WAIT_SECONDS = 0.2
    live_worker()
    path, params = ALL_READS[read]
    response = api_client.get(path, {**params, "min_position": unprojected})
    body = assert_problem(response, 503)
    assert body["type"] == "/problems/not-yet-projected"
    assert int(response["Retry-After"]) >= 1
    assert WAITERS.taken == 0  # the slot went back


def test_a_read_run_again_waits_only_for_what_is_left_of_its_wait(unprojected, settings):
    # query_side.read_replicas runs a read again on the primary, on the same view, after a
    # replica did not reach the position in time: the two waits share one budget.
    settings.MIN_POSITION_WAIT_SECONDS = 0.3
    settings.MIN_POSITION_MAX_WAITERS = 1
    live_worker()
    view = StoreInventoryApi()
    params = QueryDict(f"min_position={unprojected}")
    looks = []
    for run in range(2):
        with ExitStack() as held:
            if run:  # the only waiting slot taken: the run again must not need one
                held.enter_context(WAITERS.hold(1))
            with CaptureQueriesContext(connection) as queries, pytest.raises(ProjectionBehind):
                view.fresh_enough(params)
        looks.append(sum("read_projection_checkpoint" in q["sql"] for q in queries))
    assert looks[0] > 3  # polled through the wait
    assert looks[1] == 1  # the first look only: nothing was left to wait


@pytest.mark.parametrize(
    ("read", "ahead"), [*((read, 1) for read in ALL_READS), ("inventory", 10**12)]
)
def test_a_position_past_the_event_stores_head_is_400_at_once_naming_min_position_and_the_head(
    api_client, dairy, settings, read, ahead
):
    settings.MIN_POSITION_WAIT_SECONDS = WAIT_A_MINUTE
    live_worker()
    head = event_store_head(dairy)
    path, params = ALL_READS[read]
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(path, {**params, "min_position": head + ahead})
    body = assert_problem(response, 400, "min_position")
    assert body["type"] == "/problems/validation-error"
    assert f"head, which is {head}" in body["errors"]["min_position"][0]
    assert f"head, which is {head}" in body["detail"]
    looks = [q for q in queries.captured_queries if "read_projection_checkpoint" in q["sql"]]
    assert len(looks) == 1  # the first look found it behind; nothing polled after


@pytest.mark.parametrize("heartbeat", ["absent", "stale"])
@pytest.mark.parametrize("read", ALL_READS)
def test_without_a_live_worker_a_reachable_position_is_503_projection_stalled_at_once(
    api_client, unprojected, settings, read, heartbeat
):
    settings.MIN_POSITION_WAIT_SECONDS = WAIT_A_MINUTE
    ProjectionHeartbeat.objects.all().delete()
    if heartbeat == "stale":
        live_worker()
        old = timezone.now() - timedelta(seconds=settings.PROJECTOR_STALE_SECONDS + 1)
        ProjectionHeartbeat.objects.update(seen_at=old)
    path, params = ALL_READS[read]
    response = api_client.get(path, {**params, "min_position": unprojected})
    body = assert_problem(response, 503)
    assert body["type"] == "/problems/projection-stalled"
    projection = "catalog" if read in {"inventory", "search", "suggest"} else "store_orders"
    assert f"the {projection} projection" in body["detail"]
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("cap", [0, 1])
@pytest.mark.parametrize("read", ALL_READS)
def test_past_the_waiter_cap_a_read_is_503_at_once_instead_of_holding_a_worker(
    api_client, unprojected, settings, read, cap
):
    settings.MIN_POSITION_WAIT_SECONDS = WAIT_A_MINUTE
    settings.MIN_POSITION_MAX_WAITERS = cap
    live_worker()
    path, params = ALL_READS[read]
    with ExitStack() as waiting:
        for _ in range(cap):  # every slot taken by a read already waiting
            waiting.enter_context(WAITERS.hold(cap))
        response = api_client.get(path, {**params, "min_position": unprojected})
    body = assert_problem(response, 503)
    assert body["type"] == "/problems/too-many-waiting"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("value", ["-1", "soon", "1.5", "9" * 20, "²"])
@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_a_min_position_that_is_not_a_position_is_400_naming_it(api_client, dairy, read, value):
    path, params = READS[read]
    assert_problem(api_client.get(path, {**params, "min_position": value}), 400, "min_position")
