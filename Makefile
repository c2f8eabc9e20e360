# HealthNet — two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck arch clean db-upgrade

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/healthnet setup
	$(BIN)/healthnet serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check healthnet tests bench
	$(BIN)/ruff format --check healthnet tests bench

typecheck: install
	$(BIN)/mypy healthnet

arch: install
	$(BIN)/lint-imports

# The suite runs on SQLite, then again on PostgreSQL when HEALTHNET_TEST_DATABASE_URL is set.
test: install lint typecheck arch
	env -u HEALTHNET_TEST_DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile
	@if [ -n "$$HEALTHNET_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$HEALTHNET_TEST_DATABASE_URL"; \
	  $(BIN)/pytest -p no:xdist; \
	fi

db-upgrade: install
	$(BIN)/healthnet db upgrade

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
