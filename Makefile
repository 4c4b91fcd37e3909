# Every target sets itself up: a fresh checkout needs only `make build` or `make test`.
# Setup (Debian packages, uv.lock, package-lock.json) is .ci/setup, the same script CI runs.
PYTHON ?= python3
BIN    := .venv/bin
export PYTHON

.PHONY: build test test-fast check lint golden clean serve bench lock

build:
	.ci/setup build
	$(BIN)/handbook build --source source --out outputs

check:
	.ci/setup build
	$(BIN)/ruff check pipeline tests bench setup.py
	$(BIN)/ruff format --check pipeline tests bench setup.py
	$(BIN)/mypy

lint: check

# The whole suite: browser, node, PDF and LMS tests included (what CI runs).
test: check
	.ci/setup test
	$(BIN)/pytest -n 2 -q

# The inner loop: everything but the browser tests and the slow cases.
test-fast: check
	$(BIN)/pytest -n 2 -q -m "not browser and not slow"

golden:
	.ci/setup build
	$(BIN)/python -m tests.golden refresh

serve:
	.ci/setup build
	$(BIN)/handbook serve --source source

bench:
	.ci/setup bench
	$(BIN)/python -m bench.run

# Refresh uv.lock after changing dependencies in pyproject.toml (needs the network).
lock:
	.ci/setup build
	$$(command -v uv || echo .cache/uv/bin/uv) lock --upgrade

clean:
	rm -rf .venv outputs .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/work node_modules .cache
