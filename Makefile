# erp-lite: every target installs what it needs into .venv first (fast when nothing changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test worker beat bench chaos lint

install: $(STAMP)

install-dev: $(DEV_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "erp-lite needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); echo "python3 -m venv failed: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }

# The stamps depend on pyproject.toml, so a changed pin reinstalls and nothing else does.
$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(PIP) install -e '.[dev]'
	@touch $@

run: export DEBUG := true
run: install
	$(MANAGE) migrate --noinput
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore=$(VENV) --ignore=var --ignore=node_modules; \
	else \
		echo "msgfmt not found: using the committed translations (.mo files)"; \
	fi
	$(MANAGE) seed_demo
	@echo
	@echo "erp-lite: open http://$(HOST):$(PORT)/ (stop with Ctrl+C)"
	@echo
	$(MANAGE) runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A erp worker --loglevel=INFO

beat: install
	@mkdir -p var
	$(BIN)/celery -A erp beat --loglevel=INFO --schedule=var/celerybeat-schedule

# BENCH_SIZE=standard (default: with make chaos, within 20 minutes) or full (the issues' sizes, about an hour).
bench: install-dev
	$(BIN)/python bench/run.py

# Faults injected into a PostgreSQL, Redis, gunicorn and Celery of its own (loopback ports 5441 and
# 6391), each followed by manage.py verify_books; writes docs/reliability.md. Shorter: CHAOS_EVENTS=500.
chaos: install-dev
	$(BIN)/python chaos/run.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(MANAGE) makemigrations --check --dry-run
