"""The event store's configuration becomes the library's environment as intended."""

from events.store import EventStoreConfig, application_env

POSTGRES = {"dbname": "aforro", "host": "db", "port": 5432, "user": "u", "password": ""}


def test_a_request_waits_for_a_pooled_connection_only_the_configured_seconds():
    env = application_env(EventStoreConfig(postgres=POSTGRES, pool_wait_seconds=3))
    assert env["POSTGRES_CONNECT_TIMEOUT"] == "3"
    assert application_env(EventStoreConfig(postgres=POSTGRES))["POSTGRES_CONNECT_TIMEOUT"] == "2"


def test_the_embedded_store_has_no_pool_settings():
    env = application_env(EventStoreConfig(sqlite_path="/tmp/events.sqlite3"))
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert "POSTGRES_CONNECT_TIMEOUT" not in env
