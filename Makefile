# The README's commands. `make run` and `make test` build .venv from requirements.lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format lock bench soak system-deps clean

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

test: $(STAMP) system-deps lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
