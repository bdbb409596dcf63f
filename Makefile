# iiot.connectware: `make demo` and `make test` bootstrap everything they need into .venv.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
TMP := $(CURDIR)/.tmp
LINKED := $(TMP)/links
STAGED := $(TMP)/staged
STAGED_COLLECTION := $(STAGED)/ansible_collections/iiot/connectware
PYTEST_WORKERS ?= 2
PYVER = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

export ANSIBLE_COLLECTIONS_PATH := $(LINKED)
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)

.PHONY: help venv collection demo test sanity lint unit integration pytest reliability clean

help:
	@echo "make demo   run the main job against a simulated Connectware fleet"
	@echo "make test   every check: ansible-test sanity, ansible-lint, unit and integration tests"

$(VENV)/.installed: requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=$(PYTHON))")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

collection: venv
	@$(BIN)/python tests/utils/stage_collection.py link $(LINKED) >/dev/null

demo: collection
	cd tests/utils && $(BIN)/python demo.py

sanity: venv
	$(BIN)/python tests/utils/ansible_test_bootstrap.py
	$(BIN)/python tests/utils/stage_collection.py copy $(STAGED) >/dev/null
	cd $(STAGED_COLLECTION) && $(BIN)/ansible-test sanity --venv --python $(PYVER) --color no 2>&1 | tee $(TMP)/sanity.log
	@! grep -q 'All targets skipped' $(TMP)/sanity.log || { echo 'ansible-test sanity tested nothing'; exit 1; }

lint: collection
	$(BIN)/ansible-lint --offline --profile production --nocolor

unit: collection
	$(BIN)/pytest tests/unit

integration: collection
	$(BIN)/pytest tests/integration -n $(PYTEST_WORKERS)

# Unit and integration tests in one pytest run, last, so `make test` ends with pytest's summary line.
pytest: collection
	$(BIN)/pytest tests/unit tests/integration -n $(PYTEST_WORKERS)

test: sanity lint pytest

# The reliability and security suite alone (part of make test), printing its figures.
reliability: collection
	$(BIN)/pytest tests/integration/test_reliability_*.py tests/unit/plugins/module_utils/test_properties.py -n $(PYTEST_WORKERS) -rA -s -q

clean:
	rm -rf $(TMP) tests/output .pytest_cache
