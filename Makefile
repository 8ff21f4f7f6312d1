# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/autofactura_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TEST_DATABASE_URL TEST_REDIS_URL

.PHONY: run test test-embedded test-distributed lint typecheck schema bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# browser-use pins anyio==4.12.1; with it an httpx connect stalls on a loop where the
	# supabase client has run (tests/auth then tests/browser fail). Newer anyio is fine for both.
	$(BIN)/python -m pip install --quiet "anyio>=4.13"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/autofactura serve

test: $(STAMP) lint typecheck schema-check test-embedded test-distributed

test-embedded: $(STAMP)
	AUTOFACTURA_TEST_MODE=embedded $(BIN)/pytest -q

test-distributed: $(STAMP)
	$(BIN)/python tests/support/create_database.py "$(TEST_DATABASE_URL)"
	AUTOFACTURA_TEST_MODE=distributed $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy -p autofactura
	$(BIN)/mypy tests bench

schema: $(STAMP)
	$(BIN)/autofactura export-schema > schema.graphql

schema-check: $(STAMP)
	$(BIN)/autofactura export-schema | diff -u schema.graphql - \
		|| (echo "schema.graphql is stale: run 'make schema' and commit it" && exit 1)

bench: $(STAMP)
	$(BIN)/python bench/api_throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
