"""A URLconf for tests/api/test_database_errors.py: endpoints that make the real database raise
one class of error each, answered through the service's own exception handler."""

from django.db import connection
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from aforro_backend.composition import command_context

CHECKPOINTS = "read_projection_checkpoint"

READ_TABLE_SQL = {
    "missing-table": ["SELECT * FROM aforro_no_such_table"],  # ProgrammingError
    "division-by-zero": ["SELECT 1 / 0"],  # DataError
    "duplicate-key": [  # IntegrityError
        f"INSERT INTO {CHECKPOINTS} (name, position) VALUES ('twice', 0), ('twice', 0)"
    ],
    "statement-timeout": ["SET LOCAL statement_timeout = 10", "SELECT pg_sleep(1)"],  # Operational
}


class ReadTableSqlApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request, case: str) -> Response:
        with connection.cursor() as cursor:
            for sql in READ_TABLE_SQL[case]:
                cursor.execute(sql)
        return Response({})


class EventStoreSqlApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request) -> Response:
        with command_context().app.recorder.datastore.get_connection() as conn:
            conn.execute("SELECT * FROM aforro_no_such_table")
        return Response({})


urlpatterns = [
    path("read-tables/<str:case>/", ReadTableSqlApi.as_view()),
    path("event-store/missing-table/", EventStoreSqlApi.as_view()),
    path("", include("api.urls")),
]
