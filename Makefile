# One command to run the service (embedded default), one to run the tests. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/aforro
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres test-sqlite lint bench drills

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
		DJANGO_SECURE_SSL_REDIRECT=false \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

## ruff, then the import layering (import-linter, [tool.importlinter] in pyproject.toml), then
## mypy on events/ and command_side/ ([tool.mypy]); docs/decisions/017-import-layering.md.
lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## Benchmarks (issue 7; BENCHMARKS.md): PostgreSQL and Redis as for `make test`, plus wrk
## (installed with apt-get if missing). About 20 minutes; BENCH_ARGS="--quick" for a smoke run.
bench: install
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(PY) -m bench all $(BENCH_ARGS)

## Fault drills (issue 7; bench/DRILLS.md): PostgreSQL as for `make test`, redis-server and the
## PostgreSQL server binaries (initdb, pg_ctl). About 3 minutes; DRILLS_ARGS="redis" for one.
drills: install
	$(VENV)/bin/python -m bench.drills $(DRILLS_ARGS)
