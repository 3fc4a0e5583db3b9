# Panels: `make demo` runs the whole product locally, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
GENERATOR_VENV := $(VENV)/openapi-generator

WEB_SOURCES := $(wildcard web/src/*) $(wildcard web/public/*) web/index.html web/package.json \
  web/package-lock.json web/tsconfig.json web/vite.config.ts
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install web browser demo test lint typecheck pytest bench bench-deps bench-scale bench-analytics \
  bench-sync-latency bench-webhooks lock clean

install: $(STAMP) web

# The virtualenv lives in .venv; requirements.lock pins every package (regenerate: make lock).
$(STAMP): pyproject.toml requirements.lock clients/python/pyproject.toml clients/generator.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c requirements.lock -e '.[dev]' \
	  -e 'clients/python[events]'
	@# The Python client's generator has its own environment: it pins typer below the CLI's.
	$(BIN)/uv venv --quiet --allow-existing --python $(BIN)/python $(GENERATOR_VENV)
	$(BIN)/uv pip install --quiet --python $(GENERATOR_VENV)/bin/python -r clients/generator.lock
	touch $(STAMP)

# The end-user page: type-checked and bundled by Vite into web/dist, which the API serves at /.
web: web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

# The browser tests drive Debian's chromium (Playwright cannot download a browser here).
browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get install -y --no-install-recommends chromium \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }; }

demo: install
	$(BIN)/panels demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy
	cd clients/python && ../../$(BIN)/mypy  # the client package, strict (its own pyproject)

pytest: install browser
	$(BIN)/pytest

test: lint typecheck pytest

# dlt is a peer the sync benchmark compares with, not a dependency: installed for benches only.
bench-deps: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c requirements.lock -e '.[dev,bench]'

bench: bench-deps
	$(BIN)/python -m bench

# Big scales, apart from `make bench`: TPC-H lineitem SF 1 and 5 (PANELS_BENCH_SCALES), then
# 10,000 changed rows of the SF 1 panel (PANELS_BENCH_INCREMENTAL_SCALE).
bench-scale: install
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.incremental

# Analytic reads (DuckDB over the snapshot) vs PostgreSQL on TPC-H lineitem SF1 and 1M flights,
# 4 and 16 clients: BENCHMARKS-analytics.md (about 15 minutes).
bench-analytics: install
	$(BIN)/python -m bench.analytics

# "Sync now": POST -> panel.materialized on the WebSocket, 20 syncs of a small panel under the
# demo's `dagster dev`, next to the code before it was made fast: BENCHMARKS-sync-latency.md
# (about 15 minutes).
bench-sync-latency: install
	$(BIN)/python -m bench.sync_latency

# Webhooks: commit -> receipt p50/p99 at one endpoint and deliveries per second across 100
# endpoints, next to the WebSocket path and bare POSTs in the same run: BENCHMARKS-webhooks.md
# (about 2 minutes).
bench-webhooks: install
	$(BIN)/python -m bench.webhooks

lock: $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet \
	  --no-header -o requirements.lock
	sed -i '1i # Pinned versions for every install of Panels (make install applies them as constraints).\n# Regenerate with: make lock' requirements.lock
	$(BIN)/uv pip compile clients/generator.in --python-version 3.11 --quiet --no-header \
	  -o clients/generator.lock
	sed -i '1i # The Python client generator environment (.venv/openapi-generator). Regenerate with: make lock' clients/generator.lock

# The typed API clients (clients/python, web/src/api-schema.ts) from the API's OpenAPI
# document; the drift check (python -m clients.generate --check) is in tests/test_clients.py.
.PHONY: clients
clients: install
	$(BIN)/python -m clients.generate

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache web/node_modules web/dist
