# The two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install dev chromium postgres lint i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## run: install, create/upgrade the database, load the demo world if empty, serve
# The printed login URLs point at the address served (unless RCSC_PUBLIC_BASE_URL is set).
run: export RCSC_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/rcsc init
	$(BIN)/rcsc demo --if-empty
	@echo "Logins are kept in $${RCSC_DATA_DIR:-var}/credentials.txt (development only):"
	@cat "$${RCSC_DATA_DIR:-var}/credentials.txt" 2>/dev/null || true
	$(BIN)/rcsc serve --host $(HOST) --port $(PORT)

## chromium: Debian's Chromium for the browser tests (Playwright never downloads one)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }

## postgres: start the local PostgreSQL cluster if it is installed and down
postgres:
	@if command -v pg_lsclusters >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

lint: dev
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/lint-imports
	$(BIN)/mypy

## test: dev dependencies, Chromium, PostgreSQL up, then lint and the whole suite
test: dev chromium postgres lint
	$(BIN)/pytest -n 2 --dist loadgroup

## i18n: refresh the message catalogues from the sources
i18n: dev
	$(BIN)/pybabel extract -F babel.cfg -o src/rcsc/locale/messages.pot --no-location --sort-output --project RCSC .
	for lang in en lt uk pl; do \
	  if [ -f src/rcsc/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i src/rcsc/locale/messages.pot -d src/rcsc/locale -l $$lang --no-fuzzy-matching; \
	  else $(BIN)/pybabel init -i src/rcsc/locale/messages.pot -d src/rcsc/locale -l $$lang; fi; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
