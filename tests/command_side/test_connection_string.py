"""The writer locks' and projector leadership's own connections reach PostgreSQL with every
parameter as configured, however its characters would need quoting in a connection string."""

from __future__ import annotations

import dataclasses
from uuid import uuid4

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from command_side.locks import AdvisoryWriterLocks
from events.config import event_store_config, postgres_conninfo
from projections.leadership import PostgresLeadership

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db]

AWKWARD_PASSWORD = "a space, a 'quote' and a \\ backslash"


@pytest.fixture
def awkward_role(db):
    """A real login role whose password needs quoting (dropped afterwards)."""
    config = event_store_config()
    name = f"aforro_test_{uuid4().hex[:10]}"
    with psycopg.connect(postgres_conninfo(config), autocommit=True) as admin:
        admin.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.Literal(AWKWARD_PASSWORD)
            )
        )
        try:
            postgres = {**config.postgres, "user": name, "password": AWKWARD_PASSWORD}
            yield dataclasses.replace(config, postgres=postgres)
        finally:
            admin.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(name)))


def test_the_connection_string_carries_a_password_with_spaces_and_quotes_unchanged(awkward_role):
    parsed = conninfo_to_dict(postgres_conninfo(awkward_role))
    assert parsed["password"] == AWKWARD_PASSWORD
    assert parsed["user"] == awkward_role.postgres["user"]


def test_writer_locks_and_leadership_connect_as_a_role_with_an_awkward_password(awkward_role):
    conninfo = postgres_conninfo(awkward_role)
    locks = AdvisoryWriterLocks(conninfo)
    with locks.hold([uuid4()]):
        user = locks._connection().execute("SELECT current_user").fetchone()[0]
    locks.close()
    assert user == awkward_role.postgres["user"]
    leadership = PostgresLeadership(conninfo, "aforro_test_channel")
    try:
        assert leadership.acquire(["catalog"]) == {"catalog"}
    finally:
        leadership.close()
