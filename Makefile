# One command to run the service (embedded default), one to run the tests. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/aforro
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` reads pytest's exit status through a pipe (PIPESTATUS).
SHELL := /bin/bash

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

## The whole suite twice: real PostgreSQL + Redis, then the embedded SQLite mode. The SQLite half
## runs even when the PostgreSQL half failed; a line per half at the end, and `make test` fails
## when either did. Each half's output is kept in var/test-<half>.log for that summary.
test: install
	@codes=(); \
	for half in postgres sqlite; do \
		$(MAKE) --no-print-directory test-$$half 2>&1 | tee var/test-$$half.log; \
		codes+=($${PIPESTATUS[0]}); \
	done; \
	echo; status=0; \
	for half in postgres sqlite; do \
		code=$${codes[0]}; codes=("$${codes[@]:1}"); [ $$code -eq 0 ] || status=1; \
		last=$$(grep -E ' in [0-9.]+s( \([0-9:]+\))?( =+)?$$' var/test-$$half.log \
			| tail -n 1 | sed -E 's/^=+ //; s/ =+$$//'); \
		echo "make test, $$half half: $${last:-no test ran, see above} ($$([ $$code -eq 0 ] && echo passed || echo FAILED))"; \
	done; \
	exit $$status

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

## Benchmarks (issue 7; BENCHMARKS.md): PostgreSQL and Redis as for `make test`, plus wrk and
## valgrind (installed with apt-get if missing). About 33 minutes; BENCH_ARGS="--quick" for a smoke run.
bench: install
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(PY) -m bench all $(BENCH_ARGS)

## Fault drills (issue 7; bench/DRILLS.md): PostgreSQL as for `make test`, redis-server and the
## PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup). About 5 minutes; DRILLS_ARGS="redis"
## for one.
drills: install
	$(VENV)/bin/python -m bench.drills $(DRILLS_ARGS)
