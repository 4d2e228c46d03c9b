"""The Celery app (`celery -A aforro_backend worker`); configuration comes from Django settings."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")

app = Celery("aforro_backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**_: object) -> None:
    """The worker logs through settings.LOGGING (request ids, LOG_FORMAT), not Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
