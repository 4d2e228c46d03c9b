#!/bin/sh
# The `replica` service: a hot standby streaming from the `db` service. With an empty data
# directory it first copies the primary (pg_basebackup -R writes standby.signal and the
# primary_conninfo, -S names the slot primary-init.sh created); afterwards it only starts
# postgres, which resumes streaming from where it stopped.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:?the primary's host name}"
: "${PRIMARY_PORT:=5432}"
: "${REPLICATION_USER:?the replication role}"
: "${REPLICATION_PASSWORD:?its password}"
: "${REPLICATION_SLOT:=replica}"

# The image starts as root: make the data directory postgres's, then run as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    exec gosu postgres "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" --quiet; do
        echo "replica: waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT"
        sleep 1
    done
    echo "replica: copying the primary (pg_basebackup)"
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup \
        --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" --username "$REPLICATION_USER" \
        --pgdata "$PGDATA" --write-recovery-conf --wal-method stream \
        --slot "$REPLICATION_SLOT" --checkpoint fast --progress
fi

# hot_standby: read-only queries while it replays (PostgreSQL's default, said aloud).
exec postgres -c hot_standby=on "$@"
