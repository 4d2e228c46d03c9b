"""What a web process starts besides serving: the WSGI module (aforro_backend/wsgi.py) runs the
starters settings name in WEB_PROCESS_STARTUP, which in the embedded mode is the projectors'
background thread (projections/in_process.py). Each check loads the WSGI module in a fresh
process, as gunicorn or runserver would, on a migrated SQLite store of its own."""

from __future__ import annotations

import json
import sys

import pytest

from tests.test_deployment import clean_env, run

pytestmark = pytest.mark.unit

LOAD_WSGI = """
import json, threading
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import aforro_backend.wsgi
print(json.dumps(sorted(thread.name for thread in threading.enumerate() if thread.is_alive())))
"""


def threads_after_loading_wsgi(tmp_path, **env: str) -> list[str]:
    environ = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="aforro_backend.settings", **env)
    result = run([sys.executable, "-c", LOAD_WSGI], environ)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_web_process_runs_the_projectors_in_a_thread(tmp_path):
    assert "projections" in threads_after_loading_wsgi(tmp_path)


def test_a_web_process_leaves_the_projectors_to_run_projectors_when_told(tmp_path):
    threads = threads_after_loading_wsgi(tmp_path, PROJECTORS_IN_PROCESS="false")
    assert "projections" not in threads
