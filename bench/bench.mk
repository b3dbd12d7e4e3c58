# `make bench`: our service beside Isso 0.14 and the bare-Flask ceiling, each in
# its own venv under bench/.venvs/ (method and figures: docs/performance.md).
# `make bench BENCH_FULL=1` adds 10^6 comments to the cost curve (about 3 more
# minutes); BENCH_ARGS passes more options to `python -m bench.run`.
BENCH_PYTHON ?= $(or $(PYTHON),python3)
BENCH_VENVS := bench/.venvs
BENCH_FULL ?= 0
BENCH_ARGS ?=
BENCH_PIP = bin/pip install --quiet --disable-pip-version-check

# Our service, exactly as locked in requirements.txt, plus the harness's profilers.
$(BENCH_VENVS)/ours/.installed: requirements.txt bench/requirements.txt
	rm -rf $(BENCH_VENVS)/ours
	$(BENCH_PYTHON) -m venv $(BENCH_VENVS)/ours
	$(BENCH_VENVS)/ours/$(BENCH_PIP) --require-hashes -r requirements.txt
	$(BENCH_VENVS)/ours/$(BENCH_PIP) -r bench/requirements.txt
	touch $@

# Isso's pins may differ from ours: its own venv, with our gunicorn.
$(BENCH_VENVS)/isso/.installed: requirements.in bench/requirements-isso.txt
	rm -rf $(BENCH_VENVS)/isso
	$(BENCH_PYTHON) -m venv $(BENCH_VENVS)/isso
	$(BENCH_VENVS)/isso/$(BENCH_PIP) -r bench/requirements-isso.txt $$(grep -E '^gunicorn==' requirements.in)
	touch $@

# The ceiling: bare Flask and gunicorn at exactly our pinned versions.
$(BENCH_VENVS)/ceiling/.installed: requirements.in
	rm -rf $(BENCH_VENVS)/ceiling
	$(BENCH_PYTHON) -m venv $(BENCH_VENVS)/ceiling
	$(BENCH_VENVS)/ceiling/$(BENCH_PIP) $$(grep -E '^(Flask|Werkzeug|gunicorn)==' requirements.in)
	touch $@

.PHONY: bench
bench: $(BENCH_VENVS)/ours/.installed $(BENCH_VENVS)/isso/.installed $(BENCH_VENVS)/ceiling/.installed
	$(BENCH_VENVS)/ours/bin/python -m bench.run $(if $(filter 1,$(BENCH_FULL)),--full) $(BENCH_ARGS)

# `make bench-instructions`: instructions per request of ours and of the
# ceiling, counted by callgrind in one process: figures that do not move with
# the machine's load, for comparing commits (docs/performance.md). Needs
# Debian's valgrind; BENCH_INSTRUCTIONS_ARGS passes options, e.g. --scenario post.
BENCH_INSTRUCTIONS_ARGS ?=
.PHONY: bench-instructions
bench-instructions: $(BENCH_VENVS)/ours/.installed
	$(BENCH_VENVS)/ours/bin/python -m bench.instructions $(BENCH_INSTRUCTIONS_ARGS)

# `make bench-import`: 10^6 generated WordPress comments imported into a fresh
# SQLite database by `flask import`: time and the importer's peak RSS
# (docs/performance.md, "Importing"). BENCH_IMPORT_ARGS passes options, e.g.
# --comments 100000 or --database-url postgresql://.../empty_db.
BENCH_IMPORT_ARGS ?=
.PHONY: bench-import
bench-import: install
	$(BIN)/python -m bench.import_run $(BENCH_IMPORT_ARGS)

# `make soak`: our service as shipped under half of its mixed-load throughput
# for SOAK_MINUTES (30 by default): the workers' memory at the start and the
# end (pass: under 10% growth) and the errors (pass: none). SOAK_ARGS passes
# more options to `python -m bench.soak`, e.g. --database sqlite or --rate 300.
# Not part of `make test` or `make bench`; the report goes to bench/results/soak.md.
SOAK_MINUTES ?= 30
SOAK_ARGS ?=
.PHONY: soak
soak: $(BENCH_VENVS)/ours/.installed
	$(BENCH_VENVS)/ours/bin/python -m bench.soak --minutes $(SOAK_MINUTES) $(SOAK_ARGS)
