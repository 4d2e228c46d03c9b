"""The replica drill's verdicts: which answers to a read with `min_position` are older than the
caller's own order, and what the service said about its replicas."""

import pytest

from bench.drill_load import PRODUCTS, Sample
from bench.drill_replica_load import Placed, ReadBack, stale_reason, stock_bounds
from bench.drill_rotation_watch import Observation, replica_metrics

pytestmark = pytest.mark.unit

SEEDED = {(store, product): 10 for store in (1, 2) for product in PRODUCTS}
MINE = Placed("o-2", 1, "CONFIRMED", 20, ((5, 2),))
PLACED = [
    Placed("o-1", 1, "CONFIRMED", 10, ((5, 1), (6, 3))),
    MINE,
    Placed("o-3", 1, "REJECTED", 25, ((5, 9),)),
    Placed("o-4", 2, "CONFIRMED", 15, ((5, 4),)),
    Placed("o-5", 1, "CONFIRMED", 30, ((5, 1),)),
]


def read(kind: str, body: dict, status: int = 200, order: Placed = MINE) -> ReadBack:
    return ReadBack(Sample(kind, 0.0, 0.1, status, "application/json", ""), order, body)


def inventory(**quantities: int) -> dict:
    """An inventory page of store 1: every product at 10 but those named (p5=7)."""
    rows = [{"product_id": p, "quantity": quantities.get(f"p{p}", 10)} for p in PRODUCTS]
    return {"results": rows}


def test_the_stock_bound_at_a_position_counts_only_confirmed_orders_of_that_store_up_to_it():
    bound = stock_bounds(PLACED, SEEDED)
    assert bound(1, 5, 9) == 10
    assert bound(1, 5, 10) == 9
    assert bound(1, 5, 20) == 7  # o-1 and mine
    assert bound(1, 5, 29) == 7  # o-3 was rejected: no stock moved
    assert bound(1, 5, 30) == 6
    assert bound(2, 5, 30) == 6  # store 2: o-4 only
    assert bound(1, 6, 30) == 7


def test_an_inventory_page_from_before_my_order_is_stale_and_one_from_after_it_is_not():
    bound = stock_bounds(PLACED, SEEDED)
    assert stale_reason(read("inventory", inventory(p5=9, p6=7)), bound) == (
        "position 20: product 5: 9 > 7"
    )
    assert stale_reason(read("inventory", inventory(p5=7, p6=7)), bound) is None
    assert stale_reason(read("inventory", inventory(p5=6, p6=7)), bound) is None  # o-5 too
    short = {"results": inventory(p5=7, p6=7)["results"][:3]}
    assert "3 rows" in stale_reason(read("inventory", short), bound)


def test_my_order_missing_from_its_store_page_or_its_detail_is_a_stale_read():
    bound = stock_bounds(PLACED, SEEDED)
    listed = {"results": [{"id": "o-5"}, {"id": "o-2"}]}
    assert stale_reason(read("orders", listed), bound) is None
    assert "not in its store's page" in stale_reason(read("orders", {"results": []}), bound)
    assert stale_reason(read("detail", {"status": "CONFIRMED"}), bound) is None
    assert "not found" in stale_reason(read("detail", {}, status=404), bound)


def test_replica_gauges_are_read_from_the_metrics_page_with_their_labels():
    text = (
        "# HELP aforro_replica_in_rotation 1 while reads go to the replica\n"
        'aforro_replica_in_rotation{replica="replica_1"} 1.0\n'
        'aforro_replica_in_rotation{replica="replica_2"} 0.0\n'
        'aforro_replica_lag_seconds{replica="replica_1"} 0.25\n'
        'aforro_projection_lag_events{projection="catalog"} 3.0\n'
    )
    assert replica_metrics(text) == {
        "aforro_replica_in_rotation": {'replica="replica_1"': 1.0, 'replica="replica_2"': 0.0},
        "aforro_replica_lag_seconds": {'replica="replica_1"': 0.25},
    }


def test_in_or_out_of_rotation_needs_the_metrics_and_the_health_answer_to_agree():
    def seen(health: str, in_health: bool, gauge: float) -> Observation:
        replicas = [{"alias": "replica_1", "in_rotation": in_health}]
        return Observation(0.0, health, replicas, {'replica="replica_1"': gauge})

    assert seen("ok", True, 1.0).all_in()
    assert not seen("degraded", False, 1.0).all_in()  # the scrape came after a probe
    assert seen("degraded", False, 0.0).all_out()
    assert not seen("degraded", True, 0.0).all_out()
    assert not Observation(0.0, "ok", None).all_in()  # a service that reports no replicas
