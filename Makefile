# Two commands for a fresh machine: `make run` starts the app, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8866

.PHONY: run test lint unit notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/selfexplore serve --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# axe-core for the browser tests' accessibility checks, from package-lock.json. Without npm the stamp is
# left out and those checks skip (CI installs npm, so there they run).
NPM := $(shell command -v npm 2>/dev/null)
NODE_PACKAGES := $(if $(NPM),node_modules/.package-lock.json)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

unit: $(VENV)/.installed-test $(NODE_PACKAGES)
	$(BIN)/pytest tests

# The notebooks run against a throwaway store, never the default one in the user's data folder.
notebooks: $(VENV)/.installed-test
	SELFEXPLORE_DB_URL=sqlite:///$$(mktemp -d)/nbval.sqlite3 $(BIN)/pytest --nbval-lax notebooks

test: lint unit notebooks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts node_modules
