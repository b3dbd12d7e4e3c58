# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev fuzz clean

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Serve the API, the demo article on http://$(HOST):$(PORT)/ and the
# moderation console on /moderate with the project's gunicorn settings; the
# demo data is seeded once (idempotent).
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo seed
	@echo "Demo article:       http://$(HOST):$(PORT)/"
	@echo "Moderation console: http://$(HOST):$(PORT)/moderate  (a token: $(BIN)/flask --app wsgi moderators add NAME)"
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
	rm -rf $(VENV) .pytest_cache .hypothesis tests/artifacts

# Benchmarks beside Isso and the bare-Flask ceiling (docs/performance.md).
include bench/bench.mk
