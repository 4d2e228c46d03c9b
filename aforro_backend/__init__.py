"""Django project package: settings, URLs, the Celery app and the composition root.

Imports only events and command_side (to compose them); names every other package by string in
its settings. Only api imports it, and only `composition` (docs/decisions/017-import-layering.md).
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
