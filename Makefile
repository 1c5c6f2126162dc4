# The README's commands. `make run` and `make test` build .venv from requirements.lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 5001
DEMO_USER ?= biocommons.admin@example.org
export EMULATOR_PORT

.PHONY: help run sync worker token test lint typecheck format lock bench soak system-deps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F '\t' '{ printf "  make %-12s %s\n", $$1, $$2 }'

# Rebuilt from scratch whenever the lock or the project metadata changes, so the venv holds
# exactly what the lock says (no stale leftovers).
$(STAMP): requirements.lock pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

system-deps: ## Install the Debian packages the tests need (PostgreSQL, Chromium, Redis)
	scripts/ensure-system-deps.sh

# The whole stack, offline: Auth0 emulator, migrated + synced SQLite, worker, API.
run: $(STAMP) ## The whole stack, offline, on http://127.0.0.1:8000 (HOST, PORT, EMULATOR_PORT)
	@HOST=$(HOST) PORT=$(PORT) scripts/dev-stack.sh

# The commands below use the development settings of `make run` (scripts/dev-env.sh) and talk
# to its emulator: run them beside a running stack.
sync: $(STAMP) ## Sync the dev database from the emulator now (ARGS="--dry-run", "--users", ...)
	scripts/dev-flask.sh sync-auth0 $(ARGS)

worker: $(STAMP) ## Run another worker against the dev database (ARGS="--email-only")
	scripts/dev-flask.sh worker $(ARGS)

token: $(STAMP) ## Print an access token of a demo user (DEMO_USER=galaxy.admin@example.org)
	@$(BIN)/python -m auth0_emulator token --base http://127.0.0.1:$(EMULATOR_PORT) \
		--user $(DEMO_USER)

# The suite with branch coverage (floor: [tool.coverage.report] fail_under) and per-test time
# limits; the per-package summary prints even when the floor or a test fails. PYTEST_ARGS
# narrows the run (the floor then fails: it is for the whole suite).
PYTEST_ARGS ?=
test: $(STAMP) system-deps lint ## ruff and mypy, then the whole suite with coverage (PostgreSQL and SQLite)
	$(BIN)/pytest --cov --cov-report= $(PYTEST_ARGS); status=$$?; \
		$(BIN)/python scripts/coverage_by_package.py; exit $$status

lint: $(STAMP) typecheck ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Static types over aai/ and auth0_emulator/ (mypy; settings in pyproject.toml [tool.mypy]).
typecheck: $(STAMP)
	$(BIN)/mypy

# Benchmarks print a table of measured values against the targets of the product spec.
# http_load: every call of issue 17 warm, with a write each second, on one connection and cold,
# next to the original's figures; it adds a dated section (commit, machine) to bench/results.md.
# About 8 minutes; longer runs: make bench BENCH_HTTP_ARGS="--duration 15".
bench: $(STAMP) ## The benchmarks, against the product spec's targets (bench/results.md)
	scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench.token_validation
	$(BIN)/python -m bench.sync_users
	$(BIN)/python -m bench.admin_lists
	$(BIN)/python -m bench.http_load $(BENCH_HTTP_ARGS)
	$(BIN)/python -m bench.backend_memory

# The long reliability run: 60 s of mixed traffic at 32 connections, no errors, bounded memory.
soak: $(STAMP) ## 60 s of mixed traffic at 32 connections: no errors, bounded memory
	scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench.soak

format: $(STAMP) ## ruff --fix and ruff format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates the locks (hashes included) from pyproject.toml: requirements.lock (app, tests and
# tools; what make installs) and deploy/requirements.lock (the app alone; what the image installs).
lock: $(STAMP) ## Regenerate requirements.lock and deploy/requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal \
		--python-version 3.11 -o deploy/requirements.lock

clean: ## Remove the venv and the tools' caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
