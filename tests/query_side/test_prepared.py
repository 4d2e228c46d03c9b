"""query_side.prepared: a keystroke's statement is prepared once per connection on PostgreSQL
(planned once, not on every suggestion), and the cursor still behaves as Django's own: query
logging, execute wrappers, errors turned into Django's that mark the connection as failed (what
the replica router's failover reads)."""

import django.db
import pytest
from django.db import connection

from query_side.prepared import prepared_cursor

pytestmark = [pytest.mark.django_db]

URL = "/api/search/suggest/"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.postgres
def test_a_suggestion_is_read_by_a_statement_prepared_once_per_connection(api_client, ctx):
    for q in ("mil", "bre", "tea"):
        assert api_client.get(URL, {"q": q}).status_code == 200
    suggestion_reads = [s for s in prepared_statements() if "read_suggestion" in s]
    # One statement whatever the query: its parameters vary, its text does not.
    assert len(suggestion_reads) == 1
    assert "$2" in suggestion_reads[0]


@pytest.mark.postgres
def test_django_own_cursors_still_bind_on_the_client_and_prepare_nothing(ctx):
    for _ in range(10):  # past psycopg's threshold of 5 runs
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int", [1])
    assert not [s for s in prepared_statements() if "::int" in s]


def test_the_cursor_answers_like_a_django_cursor(ctx, django_assert_num_queries):
    with django_assert_num_queries(1), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s + 1", [41])
        assert cursor.fetchone() == (42,)


def test_an_error_is_django_s_and_marks_the_connection(ctx):
    connection.errors_occurred = False
    with pytest.raises(django.db.DatabaseError) as raised, prepared_cursor(connection) as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    assert type(raised.value).__module__ == "django.db.utils"  # Django's, not the driver's
    assert connection.errors_occurred
