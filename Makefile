# helpline-reporting: `make demo` to see it work, `make test` to check it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.8
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.helpline/prefect
# The local Prefect server's port (Prefect's own setting); every target below reaches it there.
PREFECT_SERVER_API_PORT ?= 4200

.PHONY: help install demo test lint format bench reliability server deploy worker run-sweep \
	run-report run-backfill clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(BIN)/python
	touch $@

install: $(VENV)/.installed ## Create .venv and install the project from uv.lock

# Prefect makes its home directory but not the parents, and warns (an error under the suite's
# warning filter) when it cannot; a fresh clone has no .helpline yet.
$(PREFECT_HOME):
	@mkdir -p "$@"

demo: install | $(PREFECT_HOME) ## Generate demo partner files, load them (embedded Postgres if no URL) and write the workbook
	$(BIN)/helpline demo

# PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS="tests/unit -k periods"; a selection
# that collects no tests fails (pytest's exit code 5), like any other failure.
PYTEST_ARGS ?= tests
# The tests run in one process per core (pytest-xdist), each test file whole in one of them, so
# a file's module-wide fixtures (a Prefect server, a rendered workbook) are made once. Files are
# handed out in the order collected (tests/conftest.py puts the long ones first), not xdist's
# default of most tests first. PYTEST_WORKERS=0 runs them all in this one process.
PYTEST_WORKERS ?= auto
OFFICE_TOOLS := soffice pdftoppm

test: install | $(PREFECT_HOME) ## Run every test against a real Postgres (one process per core, each with a fresh database)
	@for tool in $(OFFICE_TOOLS); do command -v $$tool >/dev/null || { \
	  echo "make test needs $$tool: apt-get install libreoffice-calc-nogui poppler-utils"; exit 1; }; done
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check flows tests bench
	$(BIN)/ruff format --check flows tests bench
	$(BIN)/mypy

format: install ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff format flows tests bench
	$(BIN)/ruff check --fix flows tests bench

bench: install ## Benchmark ingest and report at 100k, 300k and 1M rows (writes bench/results.json)
	$(BIN)/python -m bench.run

reliability: install ## Fuzz, fault and hostile-input suite with a per-area survival table (300 examples per property)
	HELPLINE_FUZZ_EXAMPLES=300 $(BIN)/python tests/reliability/run_report.py

server: install | $(PREFECT_HOME) ## Run a local Prefect server on 127.0.0.1:4200 (PREFECT_SERVER_API_PORT)
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_SERVER_API_PORT)

deploy: install ## Register the deployments, crash detection and alerts (HELPLINE_ALERT_WEBHOOK_URL) with the server at PREFECT_API_URL
	$(BIN)/prefect work-pool create helpline --type process --overwrite
	$(BIN)/prefect --no-prompt deploy --all --prefect-file deploy/prefect.yaml
	$(BIN)/python -m flows.orchestration

worker: install ## Start a process worker for the helpline work pool, running flows in this checkout
	$(BIN)/prefect worker start --pool helpline --type process

run-sweep: install ## Sweep the inbox now on the worker and wait for the result
	$(BIN)/prefect deployment run ingest_inbox/inbox-sweep --watch

# PERIOD unset: the last complete half-year. SEND=true emails the recipients as well.
run-report: install ## Build a workbook on the worker and wait: make run-report PERIOD=2018-H1 [SEND=true]
	$(BIN)/prefect deployment run six_monthly_report/six-monthly-report --watch \
	  $(if $(PERIOD),--param period=$(PERIOD)) $(if $(SEND),--param send=$(SEND))

run-backfill: install ## Build a range of workbooks on the worker: make run-backfill FROM=2017-H2 TO=2018-H1
	@if [ -z "$(FROM)" ] || [ -z "$(TO)" ]; then \
	  echo "make run-backfill needs FROM and TO, e.g. make run-backfill FROM=2017-H2 TO=2018-H1"; exit 2; fi
	$(BIN)/prefect deployment run backfill/backfill --watch --param start=$(FROM) --param end=$(TO)

deploy worker run-sweep run-report run-backfill bench reliability: | $(PREFECT_HOME)

# Only these targets talk to a server; tests run Prefect without one.
deploy worker run-sweep run-report run-backfill: \
	export PREFECT_API_URL ?= http://127.0.0.1:$(PREFECT_SERVER_API_PORT)/api
worker: export HELPLINE_REPO_DIR ?= $(CURDIR)
# The worker asks for runs every 2 s (Prefect's default, 10 s, is up to 10 s of waiting for a
# run started by hand) and starts a scheduled run's process up to a minute early, so the
# start-up is over by the scheduled time.
worker: export PREFECT_WORKER_QUERY_SECONDS ?= 2
worker: export PREFECT_WORKER_PREFETCH_SECONDS ?= 60
# Each flow-run process sends a heartbeat every 30 s (deploy/prefect.yaml sets it per
# deployment as well); the crash automation marks a run Crashed when they stop.
worker: export PREFECT_FLOWS_HEARTBEAT_FREQUENCY ?= 30

clean: ## Remove generated output (keeps .venv and the embedded database)
	rm -rf output .pytest_cache .mypy_cache .ruff_cache
