# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.instalado
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests run on the real services (PostgreSQL + Redis on loopback) unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cgii
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite in two pytest-xdist workers (each its own test database), then the browser
# tests (tests/e2e, ~6 min) alone: in one process the suite took 39-47 min on the 2-core
# machines; with the browsers among the parallel workers a keyboard-focus assertion lost
# its race once in two runs. PARALELO= (empty) runs everything in one process.
PARALELO ?= -n 2

.PHONY: install run test lint bench clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

# Links in e-mails and the PISI PDF's QR code follow the served address (cgii/enlaces.py)
# unless CGII_URL_BASE says otherwise.
run: export CGII_URL_BASE ?= http://$(HOST):$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py cargar_catalogos
	$(PY) manage.py cargar_demo
	@echo "CGII en http://$(HOST):$(PORT)/  (Ctrl+C para detener)"
	@# One daphne process: the embedded profile's in-memory channel layer and ticker thread
	@# live in one process (the full stack runs python -m cgii.servidor, gunicorn + uvicorn).
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) cgii.asgi:application

test: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(VENV)/bin/pytest $(PARALELO) --ignore=tests/e2e $(PYTEST_ARGS)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(VENV)/bin/pytest tests/e2e $(PYTEST_ARGS)

# Every benchmark in sequence (bench/README.md): quiet-machine check, JSON of each into
# bench/resultados/<fecha>/, one summary table. BENCH_ARGS="--rapido" for a quick check of the
# chain (tiny sizes), "--solo incidentes,reportes" for some, "--esperar-calma 600" to wait.
bench: install
	$(PY) bench/todos.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
