# One command to run the service (embedded default), one to run the tests. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/aforro
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres test-sqlite lint bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## Embedded default: SQLite event store and read tables, in-process cache, eager Celery.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_data --if-empty
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite twice: real PostgreSQL + Redis, then the embedded SQLite mode.
test: install
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-sqlite

test-postgres:
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) DJANGO_SECRET_KEY=test-only \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
