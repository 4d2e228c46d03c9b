#!/bin/sh
# Runs once, when the `db` container initialises an empty data directory (the official image
# runs /docker-entrypoint-initdb.d/*.sh against a server listening on its socket only): lets the
# `replica` service stream from this primary. A data volume made before this script existed is
# not initialised again: run these statements by hand once (README.md, "Read replica").
set -eu

: "${REPLICATION_USER:?the replication role to create}"
: "${REPLICATION_PASSWORD:?its password}"
: "${REPLICATION_SLOT:=replica}"

# A role that may only stream WAL, and a physical slot: the primary keeps the WAL a stopped
# replica has not received yet (bounded by max_slot_wal_keep_size, docker-compose.yml), so the
# replica resumes streaming instead of needing a new base backup.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v user="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" -v slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE :"user" WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot(:'slot');
SQL

# Replication connections match only `replication` lines of pg_hba.conf, never `all`.
echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
