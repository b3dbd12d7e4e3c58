# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev fuzz clean lock

# Installs exactly the locked versions, each checked against its hash.
PIP_INSTALL = $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

# After changing requirements.in or requirements-dev.in: compile the locks
# (every indirect dependency pinned, with hashes) with a pinned pip-tools.
LOCK_TOOL := .venv-lock
lock:
	$(PYTHON) -m venv $(LOCK_TOOL)
	$(LOCK_TOOL)/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	$(LOCK_TOOL)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	  --annotation-style=line --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(LOCK_TOOL)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	  --annotation-style=line --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Serve the API, the demo article on http://$(HOST):$(PORT)/ and the
# moderation console on /moderate with the project's gunicorn settings; the
# demo data is seeded once (idempotent).
# The notification worker runs beside it and writes mails into
# instance/mail/ (no SMTP_HOST); it is stopped when gunicorn stops.
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo seed
	@echo "Demo article:       http://$(HOST):$(PORT)/"
	@echo "Moderation console: http://$(HOST):$(PORT)/moderate  (a token: $(BIN)/flask --app wsgi moderators add NAME)"
	export FLASK_PUBLIC_URL="$${FLASK_PUBLIC_URL:-http://$(HOST):$(PORT)}"; \
	$(BIN)/flask --app wsgi worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# The whole suite: SQLite always; PostgreSQL, Redis and Chromium tests run
# where those are available (and must, under CI=true).
test: install-dev
	$(BIN)/python -m pytest

# The contract fuzzing of `make test`, with many more cases per operation
# (FUZZ_EXAMPLES, 500 by default here; 25 in `make test`).
FUZZ_EXAMPLES ?= 500
fuzz: install-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_contract_fuzz.py

clean:
	rm -rf $(VENV) $(LOCK_TOOL) .pytest_cache .hypothesis tests/artifacts

# Benchmarks beside Isso and the bare-Flask ceiling (docs/performance.md).
include bench/bench.mk
