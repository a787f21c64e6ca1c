# Every target sets itself up on a fresh clone: the venv (.venv, Python 3.13 - the Lambda
# runtime's version) is (re)created and filled from requirements-dev.txt when missing or
# when that file changes.
#
#   make test                 lint (ruff, mypy, Redocly on the OpenAPI document) + sam validate --lint + pytest (what CI runs)
#   make test-fast            pytest without the tests marked slow (tests/README.md)
#   make run [PORT=3000] [DATA=file.json] [ENDPOINT=url]   local API, no Docker
#   make load DATA=file.json [ENDPOINT=url] [DRY_RUN=1]    load a dataset (DRY_RUN: only show the changes)
#   make invoke FUNCTION=ReassignFunction EVENT=events/x.json [DATA=file.json] [ENDPOINT=url]
#   make deploy [ENV=dev|prod] [GUIDED=1]   build and deploy (guided the first time per ENV)
#   make bench [PUBLISH=1] | bench-publish   benchmarks -> bench/out/ (PUBLISH: bench/results.json)
#   make build | openapi | clean | distclean

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_BIN := $(CURDIR)/$(VENV)/bin
PY := $(VENV_BIN)/python
STAMP := $(VENV)/.installed

include build.mk  # PYTHON313

PORT ?= 3000
DATA ?=
ENDPOINT ?=

# Local tools need a region but never real credentials; no SAM telemetry from dev/CI.
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY ?= 0
# The local entry points import the shared package straight from its source folder.
LOCAL_ENV := PYTHONPATH="$(CURDIR)/layers/core:$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}"

.PHONY: help venv test test-fast lint validate pytest run build deploy load invoke bench bench-publish openapi clean distclean

help:
	@sed -n '1,/^$$/p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

venv: $(STAMP)

# Redocly CLI (the OpenAPI lint), exactly as package-lock.json pins it: installed once per clone
# and again when the lock changes. No telemetry or update check from dev/CI.
NODE_STAMP := node_modules/.installed
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch "$@"

$(STAMP): requirements-dev.txt
	@if [ -z "$(PYTHON313)" ]; then \
		echo "error: Python 3.13 not found. Install it (e.g. 'pyenv install 3.13.0') or run 'make PYTHON313=/path/to/python3.13 ...'" >&2; \
		exit 1; \
	fi
	@if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
		echo "$(VENV) is not Python 3.13: recreating it"; rm -rf "$(VENV)"; \
	fi
	@[ -x "$(PY)" ] || "$(PYTHON313)" -m venv "$(VENV)"
	"$(PY)" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch "$@"

# Run every check even if an earlier one fails, so one run shows all problems; fail if any did.
test: $(STAMP)
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory validate || rc=1; \
	$(MAKE) --no-print-directory pytest || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED" >&2; else echo "make test: OK"; fi; \
	exit $$rc

lint: $(STAMP) $(NODE_STAMP)
	@rc=0; \
	( set -x; "$(VENV_BIN)/ruff" check . ) || rc=1; \
	( set -x; "$(VENV_BIN)/ruff" format --check . ) || rc=1; \
	( set -x; "$(VENV_BIN)/mypy" ) || rc=1; \
	for handler in functions/*/app.py; do ( set -x; "$(VENV_BIN)/mypy" "$$handler" ) || rc=1; done; \
	( set -x; $(REDOCLY) lint --format=stylish docs/openapi.json ) || rc=1; \
	exit $$rc

validate: $(STAMP)
	"$(VENV_BIN)/sam" validate --lint --template template.yaml

pytest: $(STAMP)
	"$(PY)" -m pytest

test-fast: $(STAMP)
	"$(PY)" -m pytest -m "not slow"

# The layer/function Makefiles look for python3.13 on PATH: the venv's comes first.
build: $(STAMP)
	PATH="$(VENV_BIN):$$PATH" PYTHON313="$(PY)" "$(VENV_BIN)/sam" build --template template.yaml

# The venv's SAM CLI: no global install needed. The region comes from samconfig.toml (or the
# guided questions), never from this Makefile's local-tools default.
ENV ?= dev
deploy: $(STAMP)
	$(if $(filter file,$(origin AWS_DEFAULT_REGION)),env -u AWS_DEFAULT_REGION) PATH="$(VENV_BIN):$$PATH" PYTHON313="$(PY)" "$(PY)" -m local.deploy --env "$(ENV)" --sam "$(VENV_BIN)/sam" $(if $(GUIDED),--guided)

# WEBHOOK_ALLOW_LOCAL_URLS: only here may webhooks use http:// and loopback receivers.
run: $(STAMP)
	$(LOCAL_ENV) WEBHOOK_ALLOW_LOCAL_URLS=true "$(PY)" -m local.gateway --port $(PORT) $(if $(DATA),--data "$(DATA)") $(if $(ENDPOINT),--endpoint-url "$(ENDPOINT)")

load: $(STAMP)
	@[ -n "$(DATA)" ] || { echo "usage: make load DATA=file.json [ENDPOINT=url | TABLES=\"DataTable=name CredentialsTable=name\"] [DRY_RUN=1]" >&2; exit 2; }
	$(LOCAL_ENV) "$(PY)" -m local.load "$(DATA)" $(if $(ENDPOINT),--endpoint-url "$(ENDPOINT)") $(foreach t,$(TABLES),--table "$(t)") $(if $(DRY_RUN),--dry-run)

invoke: $(STAMP)
	@[ -n "$(FUNCTION)" ] && [ -n "$(EVENT)" ] || { echo "usage: make invoke FUNCTION=ReassignFunction EVENT=events/file.json [DATA=file.json] [ENDPOINT=url]" >&2; exit 2; }
	$(LOCAL_ENV) "$(PY)" -m local.invoke --function "$(FUNCTION)" --event "$(EVENT)" $(if $(DATA),--data "$(DATA)") $(if $(ENDPOINT),--endpoint-url "$(ENDPOINT)")

# Results go to bench/out/ (not committed); publishing the committed bench/results.json is a
# deliberate step: make bench-publish (or make bench PUBLISH=1).
BENCH_RESULTS := $(if $(PUBLISH),bench/results.json,bench/out/results.json)
bench: $(STAMP)
	@mkdir -p bench/out
	$(LOCAL_ENV) "$(PY)" -m bench.run --output "$(BENCH_RESULTS)"
	$(LOCAL_ENV) "$(PY)" -m bench.webhooks --output "$(BENCH_RESULTS)"
	$(LOCAL_ENV) "$(PY)" -m bench.sequential --output "$(BENCH_RESULTS)"
	$(LOCAL_ENV) "$(PY)" -m bench.sync --output "$(BENCH_RESULTS)"
	@echo "results: $(BENCH_RESULTS)"

bench-publish:
	@$(MAKE) --no-print-directory bench PUBLISH=1

openapi: $(STAMP)
	$(LOCAL_ENV) "$(PY)" -m local.openapi

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf "$(VENV)" node_modules
