"""`manage.py migrate` creates the event store's schema: a post_migrate handler of this app.

Serving processes build the event store application without DDL (events/store.py); before
this, every new process created the tables on its first request, and PostgreSQL logged a
duplicate-type error for each. On every migrate, not once per database (a Django migration
would run once): the append function is CREATE OR REPLACE, so a deploy also brings it up to
date with the code. The PostgreSQL store sits beside the read tables; the embedded one is its
own SQLite file. May import Django and events.
"""

from __future__ import annotations

import sys
from typing import Any

from events.config import event_store_config
from events.store import create_schema


def create_event_store_schema(
    sender: Any, using: str = "default", plan: Any = None, verbosity: int = 1, **kwargs: Any
) -> None:
    # No plan: `flush` (between transactional tests) sends the signal too; it leaves the event
    # store's tables alone, so there is nothing to create.
    if using != "default" or plan is None:
        return
    config = event_store_config()
    create_schema(config)
    if verbosity >= 1:
        where = config.sqlite_path if not config.is_postgres else config.postgres["dbname"]
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(f"  Event store schema: created or up to date ({where})\n")
