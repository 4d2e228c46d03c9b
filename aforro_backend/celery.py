"""The Celery app (`celery -A aforro_backend worker`); configuration comes from Django settings."""

import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")

app = Celery("aforro_backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel: int | str | None = None, **_: object) -> None:
    """The worker logs through settings.LOGGING (request ids, LOG_FORMAT), not Celery's own;
    `-l LEVEL` still sets the level."""
    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
