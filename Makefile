# Two commands: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format check-deploy bench frontend worker beat clean backup restore loadtest

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed.")'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@$(PY) manage.py check_pdf_libraries
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_organisations
	$(PY) manage.py load_framework
	$(PY) manage.py load_holidays
	$(PY) manage.py load_instruments
	$(PY) manage.py load_quantifier_bands
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9)} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-scrutiny.example} $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) -m benchmarks

# The load test (issue 9): gunicorn, one worker and locust on loopback; prints the figures.
# Uses its own database and Redis db unless DATABASE_URL / REDIS_URL say otherwise.
loadtest: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/justice_loadtest} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14} $(PY) -m benchmarks.loadtest

frontend:
	bash static/src/build.sh

worker: install
	$(VENV)/bin/celery -A config worker -l info -Q celery,documents -c 2

beat: install
	$(VENV)/bin/celery -A config beat -l info

# Backups (core/backup/, ADR 0012): a folder under BACKUP_DIR with the database, the files and a
# manifest of hashes; a restore needs an empty database and an empty MEDIA_ROOT.
backup: install
	$(PY) manage.py backup

restore: install
	@test -n "$(FROM)" || { echo "Usage: make restore FROM=backups/<timestamp>"; exit 2; }
	$(PY) manage.py restore "$(FROM)"

clean:
	rm -rf $(VENV) db.sqlite3 media .test-media staticfiles
