"""WSGI entry point (gunicorn and runserver both load it); in the embedded mode it also starts
the projectors in a background thread, so one process serves everything."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")
application = get_wsgi_application()

if settings.PROJECTORS_IN_PROCESS:
    from projections.in_process import start_in_process_projectors

    start_in_process_projectors()
