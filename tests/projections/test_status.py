"""`manage.py projection_status`: every projection and the notifier, the worker its heartbeat names
(host:pid) with the heartbeat's age, `-`/null where a number is unknown (never nan), and unknown
names refused with the known ones listed, as `replay_projections` refuses them."""

import json
import os
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projections.heartbeat import Heartbeat, record
from projections.notifier import Notifier
from projections.registry import select
from projections.worker import ProjectionWorker

from .workload import random_workload

pytestmark = pytest.mark.django_db

NAMES = ["catalog", "store_orders", "notifier"]


def status_json(*names: str) -> dict[str, dict]:
    out = StringIO()
    call_command("projection_status", *names, "--json", stdout=out)
    return {s["name"]: s for s in json.loads(out.getvalue())}


def status_table(*names: str) -> str:
    out = StringIO()
    call_command("projection_status", *names, stdout=out)
    return out.getvalue()


def test_every_projection_and_the_notifier_is_listed_with_its_heartbeat_holder_and_age(ctx):
    record(["catalog", "notifier"], "host-a:42")
    shown = status_json()
    assert list(shown) == NAMES
    assert {name: s["holder"] for name, s in shown.items()} == {
        "catalog": "host-a:42",
        "store_orders": None,
        "notifier": "host-a:42",
    }
    assert 0 <= shown["catalog"]["heartbeat_age_seconds"] < 60
    assert shown["store_orders"]["heartbeat_age_seconds"] is None
    lines = {line.split()[0]: line for line in status_table().splitlines()[1:]}
    assert set(lines) == set(NAMES)
    assert "host-a:42" in lines["notifier"]
    assert lines["store_orders"].split()[-2:] == ["-", "-"]  # no holder, no heartbeat age


def test_the_holder_is_the_real_worker_process_with_the_notifier_in_both_modes(ctx):
    random_workload(ctx, seed=91, steps=5)
    worker = ProjectionWorker(
        select(None), notifier=Notifier(lambda order_id: None), heartbeat=Heartbeat()
    )
    try:
        worker.step()
        shown = status_json()
    finally:
        worker.leadership.close()
    me = f"{socket.gethostname()}:{os.getpid()}"
    assert {name: s["holder"] for name, s in shown.items()} == dict.fromkeys(NAMES, me)
    assert all(s["lag_events"] == 0 for s in shown.values())


def test_an_unknown_lag_in_seconds_is_null_and_a_dash_never_nan(ctx):
    random_workload(ctx, seed=92, steps=5)  # nothing projected: no checkpoint to time the lag
    shown = status_json()
    assert all(s["lag_events"] > 0 and s["lag_seconds"] is None for s in shown.values())
    table = status_table()
    assert "nan" not in table.lower()
    assert all(line.split()[4] == "-" for line in table.splitlines()[1:])


def test_projection_status_refuses_an_unknown_name_and_lists_the_known_ones(ctx):
    with pytest.raises(CommandError) as refused:
        call_command("projection_status", "catalog", "no_such_projection", stdout=StringIO())
    assert str(refused.value) == (
        "unknown projection(s): no_such_projection; known: catalog, notifier, store_orders"
    )
    assert list(status_json("notifier")) == ["notifier"]


def test_replay_refuses_unknown_names_the_same_way_and_the_notifier_never_replays(ctx):
    with pytest.raises(CommandError) as refused:
        call_command("replay_projections", "notifier", stdout=StringIO())
    assert str(refused.value) == "unknown projection(s): notifier; known: catalog, store_orders"
