# Territoires en commun — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings

.PHONY: static run serve test quality lint format bench demo install install-test system-deps lock migrate clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 est requis ($(PYTHON) introuvable)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# WeasyPrint (charter PDFs) needs Pango from the system; install it when missing and we are root.
system-deps:
	@./scripts/system-deps.sh

$(VENV)/.installed-base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-test: requirements/test.txt $(VENV)/.installed-base
	$(BIN)/pip install --quiet -r requirements/test.txt
	touch $@

install: system-deps $(VENV)/.installed-base
install-test: install $(VENV)/.installed-test

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

# Collecting (and compressing) the design system's ~3,500 files takes a minute: only when they change.
STATIC_SOURCES := $(shell find static -type f 2>/dev/null) requirements/base.txt
var/static/staticfiles.json: $(STATIC_SOURCES) | $(VENV)/.installed-base
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

static: install var/static/staticfiles.json

# The web server and the background worker (exports, analyses, e-mails) run side by side and stop
# together; the demo logins are printed last, once the home page answers and the worker's first
# e-mails are out. Links in e-mails follow PORT unless SITE_URL says otherwise.
run: install migrate static
	$(BIN)/python manage.py load_demo --no-accounts
	@export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/python manage.py db_worker --no-reload & WORKER=$$!; \
	DEBUG=$${DEBUG:-0} $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT) & SERVER=$$!; \
	trap 'kill $$WORKER $$SERVER 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/python manage.py demo_ready --url http://127.0.0.1:$(PORT)/ || exit 1; \
	wait $$SERVER

# Serve as in production (gunicorn, 2 workers) — what `make bench` measures.
serve: install migrate static
	@export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/python manage.py db_worker --no-reload & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn config.wsgi --workers 2 --bind 127.0.0.1:$(PORT)

demo: install migrate
	$(BIN)/python manage.py load_demo

test: install-test
	./scripts/browser-deps.sh
	./scripts/scaleout-deps.sh
	$(BIN)/pytest $(PYTEST_ARGS)

quality: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-test
	./scripts/bench-deps.sh
	$(BIN)/python -m bench.run $(if $(ONLY),--only $(ONLY),)

lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe -o requirements/test.txt requirements/test.in

clean:
	rm -rf var/cache var/static
