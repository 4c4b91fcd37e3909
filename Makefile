# Every target sets itself up: a fresh checkout needs only `make build` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: build test check lint golden clean serve bench setup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

build: $(STAMP)
	$(BIN)/handbook build --source source --out outputs

check: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench
	$(BIN)/mypy

lint: check

test: check
	$(BIN)/pytest -n 2 -q

golden: $(STAMP)
	$(BIN)/python -m tests.golden refresh

serve: $(STAMP)
	$(BIN)/handbook serve --source source

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) outputs .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/work node_modules
