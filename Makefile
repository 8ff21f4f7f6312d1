# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/autofactura_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TEST_DATABASE_URL TEST_REDIS_URL

.PHONY: run test test-embedded test-distributed lint typecheck schema bench clean lock audit

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# Exactly the locked versions, each checked against its hash; then the project itself.
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-resolve pyproject.toml's ranges (needs the index; commit both files): requirements.lock
# is what the image runs, requirements-dev.lock the same versions plus the tools and tests'.
LOCK := $(BIN)/python -m uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--override requirements-overrides.txt --custom-compile-command "make lock" --quiet
lock: $(STAMP)
	$(LOCK) --refresh -o requirements.lock
	$(LOCK) --extra dev --constraint requirements.lock -o requirements-dev.lock

# The locked dependencies against the Python Packaging Advisory Database (PyPI's JSON API);
# --strict fails when a package could not be checked, so an unreachable service is not "clean".
audit: $(STAMP)
	$(BIN)/pip-audit --strict --disable-pip --require-hashes -r requirements-dev.lock \
		--progress-spinner off $(AUDIT_FLAGS) || (echo "make audit: a known vulnerability, or a package" \
		"that could not be checked (pypi.org/pypi/<name>/<version>/json unreachable?)"; exit 1)

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
