# Two commands: `make run` (set up, then open the window) and `make test` (set up, then run every check).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup bytecode lint typecheck pytest demo bundle bundle-smoke clean

run: setup
	$(BIN)/leadgen-desktop

test: setup lint typecheck pytest

setup: $(STAMP) bytecode

# Compiled once here, so that no start-up compiles the sources again: with PYTHONDONTWRITEBYTECODE
# set (as on these machines) Python never caches them itself, and compiling ~150 modules cost every
# start ~150 ms of CPU before the window painted. Up-to-date files are skipped (a fraction of a second).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q leadgen_desktop

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "leadgen-desktop needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

# The suite runs against SQLite and a throwaway PostgreSQL (scripts/with_postgres.sh starts and always stops it).
pytest:
	QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
		bash scripts/with_postgres.sh $(BIN)/python -m pytest -q

bundle: setup
	$(BIN)/python packaging/build.py

bundle-smoke: setup
	$(BIN)/python packaging/build.py --skip-archive
	bash packaging/smoke_test.sh

demo: setup
	$(BIN)/leadgen run --demo --business-type dentist --location "Austin, TX" --max-results 25 --min-score 0 --output leads.csv --json

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
