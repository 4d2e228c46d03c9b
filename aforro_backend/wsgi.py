"""WSGI entry point (gunicorn and runserver both load it). It then runs what the settings name
in WEB_PROCESS_STARTUP: in the embedded mode, the projectors' background thread, so one process
serves everything. Names, not imports: the composition root imports only events and
command_side (docs/decisions/017-import-layering.md)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aforro_backend.settings")
application = get_wsgi_application()

for starter in settings.WEB_PROCESS_STARTUP:
    import_string(starter)()
