"""Root pytest configuration: the services every integration test needs, checked up front, and
no files left behind.

The PostgreSQL connection check and the `--pg-connections` measurement live in
tests/pg_connections.py. Under pytest, settings put the embedded files (SQLite databases, static
files, e-mails) in a fresh `aforro-test-*` folder; tmp_path folders go inside it too, and the
folder is removed when the session ends. An explicit `--basetemp` (to keep test files for a look
after a failure) is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["tests.pg_connections"]

# Pooled event store connections per process (the service's default is 5, up to 15 with
# overflow): every context a test builds, and every subprocess it starts, stays small, so the
# suite fits its PostgreSQL connection budget. An explicit EVENT_STORE_POOL_SIZE wins.
TEST_POOL_SIZE = "2"


def session_folder() -> Path | None:
    """The folder settings made for this session, or None when AFORRO_VAR_DIR chose one."""
    from django.conf import settings

    folder = Path(settings.VAR_DIR)
    made_here = folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith(
        "aforro-test-"
    )
    return folder if made_here else None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    if not os.environ.get("EVENT_STORE_POOL_SIZE"):
        os.environ["EVENT_STORE_POOL_SIZE"] = TEST_POOL_SIZE  # inherited by subprocesses
        settings.EVENT_STORE_POOL_SIZE = int(TEST_POOL_SIZE)
    folder = session_folder()
    if folder is not None and config.option.basetemp is None:
        config.option.basetemp = str(folder / "pytest")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = session_folder()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
