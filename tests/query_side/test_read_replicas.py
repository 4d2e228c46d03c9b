"""The read-replica router's rules, without a replica (tests/test_replica_reads.py has the real
one): only reads of read tables inside a replica-reads scope leave the primary; writes and
migrations never do; without replicas every read is the primary's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connections

from query_side.models import InventoryRow, ProjectionCheckpoint, ProjectionHeartbeat, SuggestionRow
from query_side.read_replicas import (
    ReadReplicaRouter,
    read_alias,
    read_connection,
    reading_from_replica,
    replica_reads,
    served_by_replica,
)
from query_side.replica_rotation import ROTATION

pytestmark = pytest.mark.unit

router = ReadReplicaRouter()


def test_outside_a_scope_every_read_and_write_is_the_primarys():
    for model in (InventoryRow, ProjectionCheckpoint, ProjectionHeartbeat, User):
        assert router.db_for_read(model) == "default"
        assert router.db_for_write(model) == "default"
    assert read_alias() == "default" and not reading_from_replica()
    assert read_connection() is connections["default"]


def test_inside_a_scope_only_the_read_tables_are_read_from_its_database():
    with replica_reads("replica_1"):
        assert router.db_for_read(InventoryRow) == "replica_1"
        assert router.db_for_read(SuggestionRow) == "replica_1"
        # The checkpoint replicates with the rows: min_position waits on the replica's copy.
        assert router.db_for_read(ProjectionCheckpoint) == "replica_1"
        # Whether a worker lives, and everything not a read table, is the primary's.
        assert router.db_for_read(ProjectionHeartbeat) == "default"
        assert router.db_for_read(User) == "default"
        assert router.db_for_write(InventoryRow) == "default"
        assert read_alias() == "replica_1" and reading_from_replica()
    assert read_alias() == "default"


def test_migrations_run_only_on_the_primary():
    assert router.allow_migrate("default", "query_side")
    assert not router.allow_migrate("replica_1", "query_side")
    assert not router.allow_migrate("replica_2", "auth")


def test_without_replicas_a_read_is_served_by_the_primary():
    assert served_by_replica(read_alias) == "default"
    assert ROTATION.states() == []
