# HealthNet — two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck arch clean db-upgrade web web-test e2e chromium node screenshots

# ---------------------------------------------------------------- web console (web/, Vue 3 + Vite)
# `npm ci` only when the lock file changed; `npm run build` (vue-tsc type check + vite build into
# web/dist) only when a source changed. web/dist/index.html is the build's stamp;
# web/src/components.d.ts is written by the build itself, so it is not a source here.
NODE_STAMP := web/node_modules/.npm-ci.stamp
WEB_DIST := web/dist/index.html
WEB_SRC := $(filter-out web/src/components.d.ts,$(shell find web/src web/public -type f 2>/dev/null)) \
	$(wildcard web/index.html web/h5.html web/package.json web/vite.config.ts web/tsconfig*.json)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

node:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Node.js 20+ and npm are needed to build the web console (web/):" \
	       "apt-get install -y nodejs npm" >&2; exit 1; }

$(NODE_STAMP): web/package-lock.json web/package.json | node
	cd web && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(WEB_DIST): $(NODE_STAMP) $(WEB_SRC)
	cd web && npm run build

web: $(WEB_DIST)

web-test: $(NODE_STAMP)
	cd web && npm run test

# The e2e tests drive the system's Chromium (Debian package `chromium`), never a browser that
# Playwright would download.
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'noto sans cjk'; then \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
	    || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }; \
	fi

run: install web
	$(BIN)/healthnet setup
	$(BIN)/healthnet serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check healthnet tests bench
	$(BIN)/ruff format --check healthnet tests bench

typecheck: install
	$(BIN)/mypy healthnet

arch: install
	$(BIN)/lint-imports

# End-to-end browser tests (tests/e2e): the built console against a real `healthnet serve`, run
# once. Their server's database is a fresh SQLite file, or, when HEALTHNET_TEST_DATABASE_URL is
# set, a PostgreSQL database beside it named <name>_e2e (created and dropped by the tests).
e2e: install web chromium
	$(BIN)/pytest -p no:xdist -m e2e tests/e2e

# The same, writing the pictures in docs/screenshots/ (committed) instead of a temporary folder.
screenshots: install web chromium
	HEALTHNET_SCREENSHOTS=1 $(BIN)/pytest -p no:xdist -m e2e tests/e2e

# The Python suite runs on SQLite, then again on PostgreSQL when HEALTHNET_TEST_DATABASE_URL is
# set (both without the e2e tests: pyproject's addopts deselect them); then the web console's
# unit tests (its type check is part of `make web`) and the e2e tests, once.
test: install lint typecheck arch web
	env -u HEALTHNET_TEST_DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile
	@if [ -n "$$HEALTHNET_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$HEALTHNET_TEST_DATABASE_URL"; \
	  $(BIN)/pytest -p no:xdist; \
	fi
	$(MAKE) web-test
	$(MAKE) e2e

db-upgrade: install
	$(BIN)/healthnet db upgrade

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
