"""Django project package: settings, URLs, the Celery app and the composition root."""

from .celery import app as celery_app

__all__ = ["celery_app"]
