# Two commands do all the set-up: `make run` and `make test`. Everything is pinned in
# pyproject.toml (direct dependencies) and requirements.lock (every package, as constraints).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.app-installed
TEST_STAMP := $(VENV)/.test-installed
HOST ?= 127.0.0.1
PORT ?= 8000

WORKERS ?= 4
THREADS ?= 4

.PHONY: run worker serve test lint format check bench bench-reanchor load lock clean messages

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
	$(BIN)/python manage.py worker & trap 'kill $$!' EXIT; $(BIN)/python manage.py runserver $(HOST):$(PORT)

## worker: background jobs (fetching pages, feeds, re-fetches) and their schedule; run several,
## on several machines if you like, against the same database.
worker: $(APP_STAMP)
	$(BIN)/python manage.py worker

## serve: production mode (DEBUG off, gunicorn, whitenoise) on http://127.0.0.1:8000 against
## DATABASE_URL. TLS is the proxy's job: plain HTTP here, so no SSL redirect or secure cookies.
## A worker takes a connection only while it has a free thread, and connections close after each
## response (a proxy in front keeps its own): requests queue fairly in the kernel for the first
## free thread instead of behind the busiest worker (p99 of creates under 50 clients: 0.5 s, was
## 0.8-1.1 s with kept-alive connections pinned to 3 workers of 8 threads).
serve: $(APP_STAMP)
	@test -n "$$DATABASE_URL" || { echo "make serve: set DATABASE_URL=postgres://..." >&2; exit 1; }
	@mkdir -p var
	@test -s var/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key
	DEBUG=false SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" SECURE_COOKIES="$${SECURE_COOKIES:-false}" \
	sh -c '$(BIN)/python manage.py migrate --noinput && \
	  $(BIN)/python manage.py collectstatic --noinput -v0 && \
	  exec $(BIN)/gunicorn workbench.wsgi --bind $(HOST):$(PORT) --worker-class gthread \
	    --workers $(WORKERS) --threads $(THREADS) --worker-connections $(THREADS) --keep-alive 0 \
	    --access-logfile - --timeout 120'

## test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)
test: $(TEST_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: export benchmark on PostgreSQL (BENCH_DATABASE_URL; ROWS, default 1,000,000)
ROWS ?= 1000000
bench: $(TEST_STAMP)
	$(BIN)/python bench/export_bench.py --rows $(ROWS)

## bench-reanchor: correction pairs with known answers, and 1,000 spans re-anchored
bench-reanchor: $(TEST_STAMP)
	$(BIN)/python bench/reanchor_bench.py

## load: 50 editors for 60 s against gunicorn and PostgreSQL (LOAD_DATABASE_URL)
load: $(TEST_STAMP)
	$(BIN)/python bench/load_test.py

## lint: what CI checks besides the tests
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
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

## messages: update the translation catalogs from the code (needs GNU gettext), then compile
## them; the compiled .mo files are committed, so running the app needs no gettext.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=test-artifacts --ignore=tests --ignore=bench
messages: $(APP_STAMP)
	$(BIN)/python manage.py makemessages -a $(I18N_IGNORE) --no-location
	$(BIN)/python manage.py makemessages -d djangojs -a $(I18N_IGNORE) --no-location
	$(BIN)/python manage.py compilemessages --ignore=.venv
