# Edirae: `make run` to try it, `make test` to test it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv manages the virtualenv; when the machine has no working uv we install one in .tools/.
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else echo .tools/bin/uv; fi)
PY := .venv/bin/python
PORT ?= 8000
# Exported so that the web server and the worker agree on SITE_URL (links in mails).
export PORT

# Tests run against the real services (see README: "Testing").
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/edirae
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Test processes side by side (pytest-xdist, one per core; each makes its own test database,
# test_<name>_gw0, _gw1...); 0 runs the suite in this one process.
TEST_WORKERS ?= auto
# The deeper fuzz profile (the normal suite tries 120 requests; see tests/security/test_fuzz.py).
FUZZ_EXAMPLES ?= 10000

.PHONY: help install run test lint format fuzz

help:
	@echo "make run    install, migrate, load demo content and accounts, serve http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole test suite on PostgreSQL and Redis"
	@echo "make lint   ruff, the import contracts (pyproject.toml) and the migrations check"
	@echo "make fuzz   $(FUZZ_EXAMPLES) generated requests at every form and htmx endpoint; prints the count and the server errors"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

install: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "Edirae is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web server, worker and beat)"
	@trap 'kill 0' INT TERM EXIT; \
	  .venv/bin/celery -A edirae worker --beat --pool=solo --loglevel=warning & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) CELERY_RESULT_BACKEND=$(TEST_BROKER_URL) \
	  SECRET_KEY=test-only-secret-key-for-the-test-suite-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=testserver,127.0.0.1,localhost \
	  DEBUG=false SECURE_SSL_REDIRECT=false \
	  $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

fuzz:
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 FUZZ_REPORT=1 $(MAKE) --no-print-directory test TEST_WORKERS=0 \
	  PYTEST_ARGS="tests/security/test_fuzz.py -q -p no:cacheprovider -s $(PYTEST_ARGS)"

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
