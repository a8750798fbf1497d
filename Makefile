# Kiosco — `make help` lists the targets. Every target builds .venv by itself.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test lint bench browser messages clean sim

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

run: export KIOSCO_DEBUG ?= 1
run: export KIOSCO_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) ## Serve the demo edition on http://127.0.0.1:8000 (SQLite under var/, nothing else)
	$(BIN)/kiosco migrate --noinput --verbosity 0
	$(BIN)/kiosco load-demo --once
	$(BIN)/kiosco serve --embedded --host $(HOST) --port $(PORT)

test: $(STAMP) browser ## Run the whole suite on SQLite and on PostgreSQL (needs PostgreSQL and Redis)
	$(BIN)/python tests/run_suite.py $(ARGS)

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check kiosco tests bench
	$(BIN)/ruff format --check kiosco tests bench
	KIOSCO_DEBUG=1 $(BIN)/mypy kiosco tests

bench: $(STAMP) ## Benchmarks, printed as ratios against a baseline measured in the same run
	@command -v wrk >/dev/null && command -v nginx >/dev/null && command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light valgrind >/dev/null || \
	  { echo "make bench needs wrk, nginx and valgrind: sudo apt-get install wrk nginx-light valgrind" >&2; exit 1; }; }
	$(BIN)/python bench/run.py

browser: ## Install Debian's chromium for the browser tests when it is missing
	@command -v /usr/bin/chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

sim: $(STAMP) ## Sharing simulator: figures and plots in var/sim/ (ARGS="--ttl 120 --k 4 ..." for ablations)
	KIOSCO_DEBUG=1 $(BIN)/python -m kiosco.insights.sim.run $(ARGS)

messages: $(STAMP) ## Compile the English/Spanish translations
	cd kiosco && ../$(BIN)/kiosco compilemessages --verbosity 0

clean: ## Remove the virtualenv and var/
	rm -rf $(VENV) var
