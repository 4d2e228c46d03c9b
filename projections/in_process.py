"""The embedded mode's projectors: a supervised daemon thread of the web process
(`PROJECTORS_IN_PROCESS`), running every projection and the notifier."""

from __future__ import annotations

import threading

from .notifier import Notifier
from .registry import select
from .supervisor import SupervisedProjectors
from .tasks import enqueue_order_confirmation
from .worker import ProjectionWorker

_started: SupervisedProjectors | None = None
_lock = threading.Lock()


def new_worker(stop_event: threading.Event) -> ProjectionWorker:
    notifier = Notifier(enqueue_order_confirmation)
    return ProjectionWorker(select(None), notifier=notifier, stop_event=stop_event)


def start_in_process_projectors() -> SupervisedProjectors:
    global _started
    with _lock:
        if _started is None:
            _started = SupervisedProjectors(new_worker)
            _started.start()
    return _started
