"""The PostgreSQL half stops before any test when the server has fewer free connections than the
suite's budget (tests/pg_connections.py), and says how many it needs and how many are free.

Each test runs a small pytest session of its own on the same server, with the budget raised
above anything the server has or lowered to 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]


def session_with_budget(tmp_path: Path, budget: int) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(
        "import tests.pg_connections\n"
        f"tests.pg_connections.BUDGET = {budget}\n"
        "pytest_plugins = ['tests.pg_connections']\n"
    )
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "aforro_backend.settings",
        "AFORRO_VAR_DIR": str(tmp_path / "var"),  # inside tmp_path, removed with it
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_server_without_the_free_connections_the_suite_needs_fails_the_session_at_once(
    tmp_path,
):
    result = session_with_budget(tmp_path, 100_000)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "the suite needs 100000" in output
    assert "free connections" in output
    assert "test_nothing" not in output and "passed" not in output


def test_a_server_with_enough_free_connections_runs_the_tests(tmp_path):
    result = session_with_budget(tmp_path, 1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
