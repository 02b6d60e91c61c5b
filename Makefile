# Two commands do all the set-up: `make run` and `make test`. Everything is pinned in
# pyproject.toml (direct dependencies) and requirements.lock (every package, as constraints).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.app-installed
TEST_STAMP := $(VENV)/.test-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock pip

$(APP_STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock --group app
	touch $@

$(TEST_STAMP): $(APP_STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock --group test
	touch $@

## run: set up, migrate, load the demo data and serve on http://127.0.0.1:8000
run: $(APP_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)
test: $(TEST_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## lint: what CI checks besides the tests
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: re-resolve every pinned package from pyproject.toml into requirements.lock
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet pip==$$(sed -n 's/^pip==//p' requirements.lock)
	$(VENV)-lock/bin/pip install --quiet --group test
	{ echo "# Every package the test group needs, pinned; used as pip constraints by the Makefile."; \
	  echo "# Regenerate: make lock"; \
	  $(VENV)-lock/bin/pip freeze --all | grep -v '^setuptools='; } > requirements.lock
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
