# betal — developer commands. Needs only Python 3.11 on the PATH.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
PY_DIRS := $(wildcard src tests bench examples)

.PHONY: run test test-fast lint type fmt check db-upgrade bench clean

$(UV):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "betal needs $(PYTHON) on the PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(UV) pyproject.toml uv.lock
	VIRTUAL_ENV=$(abspath $(VENV)) $(UV) sync --frozen --inexact --active --all-groups
	@touch $(STAMP)

install: $(STAMP)

db-upgrade: $(STAMP)
	$(BIN)/betal db upgrade

run: $(STAMP) db-upgrade
	$(BIN)/betal serve --demo --host $(HOST) --port $(PORT)

fmt: $(STAMP)
	$(BIN)/ruff format $(PY_DIRS)
	$(BIN)/ruff check --fix $(PY_DIRS)

lint: $(STAMP)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/lint-imports

type: $(STAMP)
	$(BIN)/mypy

test-fast: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser and not slow"

test: lint type
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

check: test

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache betal.db betal.db-wal betal.db-shm
