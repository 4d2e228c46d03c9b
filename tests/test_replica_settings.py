"""DATABASE_REPLICA_URLS and REPLICA_MAX_LAG_SECONDS: one database alias per replica URL shaped
like `default` with short timeouts, and a clear refusal to start for every bad value (checked
in subprocesses: settings are read once per process)."""

from __future__ import annotations

import json
import sys

import pytest

from aforro_backend.replica_settings import (
    max_lag_seconds,
    parse_replica_urls,
    redacted,
    replica_databases,
)

from .test_deployment import clean_env, run

PRIMARY = "postgres://aforro:secret@db.example:5432/aforro"
POSTGRES_DEFAULT = {
    "ENGINE": "aforro_backend.postgres_backend",
    "NAME": "aforro",
    "USER": "aforro",
    "PASSWORD": "secret",
    "HOST": "db.example",
    "PORT": 5432,
    "CONN_MAX_AGE": 600,
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": {"connect_timeout": 5},
}
SHOW_DATABASES = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'databases': settings.DATABASES, 'lag': settings.REPLICA_MAX_LAG_SECONDS},"
    " default=str))"
)


def settings_of(tmp_path, **env: str) -> dict:
    environment = clean_env(tmp_path, DJANGO_SECRET_KEY="test-only-" + "x" * 40, **env)
    result = run([sys.executable, "manage.py", "shell", "-c", SHOW_DATABASES], environment)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def refusal(tmp_path, **env: str) -> str:
    environment = clean_env(tmp_path, DJANGO_SECRET_KEY="test-only-" + "x" * 40, **env)
    result = run([sys.executable, "manage.py", "check"], environment)
    assert result.returncode != 0, result.stdout
    return result.stderr


def test_without_replica_urls_there_is_only_the_default_database_and_lag_defaults_to_5(tmp_path):
    found = settings_of(tmp_path, DATABASE_URL=PRIMARY)
    assert list(found["databases"]) == ["default"]
    assert found["lag"] == 5.0


def test_each_replica_url_becomes_an_alias_shaped_like_default_with_short_timeouts(tmp_path):
    urls = " postgres://reader@replica-a:5433/aforro , ,postgresql://reader:pw@replica-b/aforro"
    found = settings_of(
        tmp_path,
        DATABASE_URL=PRIMARY,
        DATABASE_REPLICA_URLS=urls,
        REPLICA_MAX_LAG_SECONDS="2.5",
        DB_DEADLINE_SECONDS="4",
    )
    databases = found["databases"]
    assert list(databases) == ["default", "replica_1", "replica_2"]
    first, second = databases["replica_1"], databases["replica_2"]
    assert (first["HOST"], first["PORT"], first["USER"]) == ("replica-a", 5433, "reader")
    assert (second["HOST"], second["PASSWORD"], second["NAME"]) == ("replica-b", "pw", "aforro")
    for replica in (first, second):
        assert replica["ENGINE"] == databases["default"]["ENGINE"]
        assert replica["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]
        assert replica["OPTIONS"]["connect_timeout"] == 2
        assert replica["OPTIONS"]["options"] == "-c statement_timeout=2000"
    assert "options" not in databases["default"]["OPTIONS"]  # the primary's are untouched
    assert found["lag"] == 2.5


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_REPLICA_URLS": "postgres://replica/aforro"},
            "DATABASE_REPLICA_URLS needs DATABASE_URL to be PostgreSQL",
        ),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URLS": "replica:5432"},
            "DATABASE_REPLICA_URLS entry 1 (replica:5432) is not a database URL",
        ),
        (
            {
                "DATABASE_URL": PRIMARY,
                "DATABASE_REPLICA_URLS": "postgres://a/aforro,mysql://u:hunter2@b/aforro",
            },
            "DATABASE_REPLICA_URLS entry 2 (mysql://u:***@b/aforro) is not a PostgreSQL URL",
        ),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URLS": "postgres://replica"},
            "must name a host and a database",
        ),
        (
            {"DATABASE_URL": PRIMARY, "REPLICA_MAX_LAG_SECONDS": "0"},
            "REPLICA_MAX_LAG_SECONDS must be a positive number of seconds, not '0'",
        ),
        (
            {"DATABASE_URL": PRIMARY, "REPLICA_MAX_LAG_SECONDS": "soon"},
            "REPLICA_MAX_LAG_SECONDS must be a positive number of seconds, not 'soon'",
        ),
    ],
)
def test_settings_refuse_to_start_with_a_bad_replica_setting(tmp_path, env, message):
    stderr = refusal(tmp_path, **env)
    assert message in stderr
    assert "hunter2" not in stderr  # a password never reaches the logs


def test_replica_urls_split_on_commas_and_skip_blanks():
    assert parse_replica_urls("") == []
    assert parse_replica_urls(" a , ,b,") == ["a", "b"]


def test_a_replica_keeps_the_default_options_and_adds_its_statement_timeout():
    default = {**POSTGRES_DEFAULT, "OPTIONS": {"connect_timeout": 5, "options": "-c search_path=x"}}
    (replica,) = replica_databases(["postgres://r/aforro"], default, 1500).values()
    assert replica["OPTIONS"]["options"] == "-c search_path=x -c statement_timeout=1500"
    assert default["OPTIONS"] == {"connect_timeout": 5, "options": "-c search_path=x"}
    assert replica["TEST"] == {"MIRROR": "default"}


@pytest.mark.parametrize("value", ["-1", "nan", "inf", ""])
def test_the_lag_bound_must_be_a_positive_finite_number(value):
    with pytest.raises(RuntimeError, match="REPLICA_MAX_LAG_SECONDS must be a positive"):
        max_lag_seconds(value)
    assert max_lag_seconds("0.5") == 0.5


def test_a_redacted_url_hides_only_the_password():
    assert redacted("postgres://u:p%40ss@h:5/db") == "postgres://u:***@h:5/db"
    assert redacted("postgres://u@h/db") == "postgres://u@h/db"
