# serialtrace — `make run` to start the suite, `make test` to test it.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
PROTO_OUT := libs/protos/src
BENCH_UNITS ?= 1000
NODE_MODULES := node_modules/.package-lock.json

.PHONY: setup run test test-sqlite bench proto proto-check lint typecheck migrate k8s clean

# Installs uv into .tools, then everything in uv.lock (exact versions) into .venv, and
# the npm packages in package-lock.json (buf, GraphiQL's browser assets) into node_modules.
setup: $(VENV)/.synced $(NODE_MODULES)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml \
		bench/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	@touch $@

# npm writes node_modules/.package-lock.json on every install. Without Node.js the graph
# still works; GraphiQL's page then says what is missing, and `make lint` needs it for buf.
$(NODE_MODULES): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; \
	else echo "npm not found: install Node.js (20+) and rerun make setup for GraphiQL and buf" >&2; fi

# Starts the suite with the embedded SQLite databases under ./.data.
run: setup
	$(VENV)/bin/serialtrace run

# Whole test suite; PostgreSQL when reachable (SERIALTRACE_TEST_DATABASE_URL), SQLite otherwise.
test: setup
	@$(PY) -m serialtrace.common.testing
	$(PY) -m pytest libs services deploy tests-e2e $(PYTEST_ARGS)
	@# In a process of its own: the services' session-scoped test suites keep pooled
	@# connections open, and the bench at full load needs what PostgreSQL has left.
	$(PY) -m pytest bench $(PYTEST_ARGS)

# The same suite forced onto the embedded SQLite default.
test-sqlite: setup
	@SERIALTRACE_TEST_DATABASE=sqlite $(PY) -m serialtrace.common.testing
	SERIALTRACE_TEST_DATABASE=sqlite $(PY) -m pytest libs services tests-e2e bench $(PYTEST_ARGS)

# The performance figures on PostgreSQL, each beside its direct-SQL floor (bench/README.md):
# `make bench` (1,000 units), `BENCH_UNITS=100000 make bench`, BENCH_ARGS=--fresh to regenerate.
bench: setup
	$(PY) -m serialtrace.bench --units $(BENCH_UNITS) $(BENCH_ARGS)

# Renders deploy/k8s/base from deploy/k8s/render.py (a test fails on drift).
k8s: setup
	$(PY) deploy/k8s/render.py

# Regenerates the Python gRPC stubs from proto/, then the graph enums' type stub from them
# (both committed; a test fails on drift).
proto: setup
	$(PY) libs/protos/generate.py proto $(PROTO_OUT)
	$(PY) -m serialtrace.gateway.proto_enums

# Breaking changes are checked against main: proto/ by buf, the committed graph schema
# (services/trace-gateway/schema.graphql) by graphql-core's find_breaking_changes.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install buf lint
	npx --no-install buf breaking --against '.git#branch=main'
	$(PY) -m serialtrace.gateway.schema_check breaking --against main

typecheck: setup
	$(VENV)/bin/mypy libs/common/src libs/testing/src services/masterdata/src services/production/src services/quality/src services/warehouse/src services/trace-gateway/src \
		services/epcis/src bench/src libs/importer/src

migrate: setup
	$(VENV)/bin/serialtrace migrate $(service)

clean:
	rm -rf $(VENV) $(TOOLS) .data node_modules
