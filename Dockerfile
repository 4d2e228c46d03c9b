# syntax=docker/dockerfile:1
# The service image: `web` (gunicorn), `projector`, `worker` and `migrate` all run it
# (docker-compose.yml). Stage 1 builds wheels; stage 2 installs them without compilers.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer stays cached while only code changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip wheel --wheel-dir /wheels -r requirements.txt
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=aforro_backend.settings \
    STATIC_ROOT=/app/staticfiles \
    AFORRO_VAR_DIR=/app/var \
    PORT=8000
RUN groupadd --system --gid 10001 aforro \
    && useradd --system --uid 10001 --gid aforro --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin aforro
WORKDIR /app
# Only the wheels reach this stage (a bind mount, so no layer keeps them): no compilers here.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels aforro
# The packages live in site-packages; the entry points that are files stay in /app.
COPY manage.py gunicorn.conf.py ./
# Static assets (Swagger UI, DRF) are collected as root, read-only for the service user, and
# served by whitenoise. Settings load in the embedded mode here: no service is needed to build.
RUN python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown -R aforro:aforro /app/var
USER aforro

EXPOSE 8000
# /health/ is exempt from the HTTPS redirect; the Host header must be one of ALLOWED_HOSTS.
# Only 503 (database or event store down) fails it: degraded (cache or projector down) is 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as r; host = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/', headers={'Host': host}), timeout=4)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "aforro_backend.wsgi"]
