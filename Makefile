# The README's commands. `make run` and `make test` build .venv from requirements.lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format lock bench soak system-deps clean
.PHONY: typecheck

# Rebuilt from scratch whenever the lock or the project metadata changes, so the venv holds
# exactly what the lock says (no stale leftovers).
$(STAMP): requirements.lock pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

system-deps:
	scripts/ensure-system-deps.sh

# The whole stack, offline: Auth0 emulator, migrated + synced SQLite, worker, API.
run: $(STAMP)
	HOST=$(HOST) PORT=$(PORT) scripts/dev-stack.sh

# The suite with branch coverage (floor: [tool.coverage.report] fail_under) and per-test time
# limits; the per-package summary prints even when the floor or a test fails. PYTEST_ARGS
# narrows the run (the floor then fails: it is for the whole suite).
PYTEST_ARGS ?=
test: $(STAMP) system-deps lint typecheck
	$(BIN)/pytest --cov --cov-report= $(PYTEST_ARGS); status=$$?; \
		$(BIN)/python scripts/coverage_by_package.py; exit $$status

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Static types over aai/ and auth0_emulator/ (mypy; settings in pyproject.toml [tool.mypy]).
typecheck: $(STAMP)
	$(BIN)/mypy

# Benchmarks print a table of measured values against the targets of the product spec.
bench: $(STAMP)
	scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench.token_validation
	$(BIN)/python -m bench.sync_users
	$(BIN)/python -m bench.admin_lists
	$(BIN)/python -m bench.http_load

# The long reliability run: 60 s of mixed traffic at 32 connections, no errors, bounded memory.
soak: $(STAMP)
	scripts/ensure-system-deps.sh bench
	$(BIN)/python -m bench.soak

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates the locks (hashes included) from pyproject.toml: requirements.lock (app, tests and
# tools; what make installs) and deploy/requirements.lock (the app alone; what the image installs).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal \
		--python-version 3.11 -o deploy/requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
