"""The embedded mode's projectors: a daemon thread of the web process (`PROJECTORS_IN_PROCESS`)."""

from __future__ import annotations

import threading

from .registry import select
from .worker import ProjectionWorker, start_in_background

_started: ProjectionWorker | None = None
_lock = threading.Lock()


def start_in_process_projectors() -> ProjectionWorker:
    global _started
    with _lock:
        if _started is None:
            _started = ProjectionWorker(select(None))
            start_in_background(_started)
    return _started
