"""The embedded mode's projectors: a daemon thread of the web process (`PROJECTORS_IN_PROCESS`)."""

from __future__ import annotations

import threading

from .notifier import Notifier
from .registry import select
from .tasks import enqueue_order_confirmation
from .worker import ProjectionWorker, start_in_background

_started: ProjectionWorker | None = None
_lock = threading.Lock()


def start_in_process_projectors() -> ProjectionWorker:
    global _started
    with _lock:
        if _started is None:
            _started = ProjectionWorker(select(None), notifier=Notifier(enqueue_order_confirmation))
            start_in_background(_started)
    return _started
