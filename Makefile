# iiot.connectware: `make demo` and `make test` bootstrap everything they need into .venv.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# The oldest supported ansible-core (meta/runtime.yml): sanity, unit and integration tests run on it as well.
OLDEST_VENV := .venv-2.16
OLDEST_BIN := $(CURDIR)/$(OLDEST_VENV)/bin
TMP := $(CURDIR)/.tmp
LINKED := $(TMP)/links
STAGED := $(TMP)/staged
STAGED_COLLECTION := $(STAGED)/ansible_collections/iiot/connectware
PYTEST_WORKERS ?= 2
PYVER = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

export ANSIBLE_COLLECTIONS_PATH := $(LINKED)
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)

.PHONY: help venv collection demo demo-fleet test test-full integration-oldest-full sanity sanity-full sanity-oldest sanity-oldest-full unit-oldest integration-oldest lint ecosystem unit integration pytest reliability bench changelog clean docs

help:
	@echo "make demo   run the main job against a simulated Connectware fleet"
	@echo "make demo-fleet   keep that fleet up until Ctrl-C, to run the playbooks against it yourself"
	@echo "make test   every check: ansible-test sanity, ansible-lint, unit and integration tests"
	@echo "make test-full   the same with the whole integration suite on the oldest ansible-core too"
	@echo "make docs   the HTML docs site in .tmp/docs/build/html"

$(VENV)/.installed: requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=$(PYTHON))")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

$(OLDEST_VENV)/.installed: requirements-2.16.txt
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-2.16.txt
	touch $@

collection: venv
	@$(BIN)/python tests/utils/stage_collection.py link $(LINKED) >/dev/null

# The demo needs less than the tests (requirements-demo.txt); a .venv made by `make demo` gets the rest
# when `make test` first runs.
$(VENV)/.demo-installed: requirements-demo.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=$(PYTHON))")'
	@echo "make demo: installing what the demo needs (requirements-demo.txt) into $(VENV)"
	@if [ -f $(VENV)/.installed ] && [ $(VENV)/.installed -nt requirements-demo.txt ]; then \
		echo "$(VENV) has the whole development set already"; \
	elif [ ! -x $(BIN)/pip ] && $(PYTHON) -m pip --help 2>/dev/null | grep -q -- '--python '; then \
		$(PYTHON) -m venv --without-pip $(VENV) && \
		$(PYTHON) -m pip --python $(BIN)/python install --no-compile --disable-pip-version-check -r requirements-demo.txt; \
	else \
		$(PYTHON) -m venv $(VENV) && \
		$(BIN)/python -m pip install --no-compile --disable-pip-version-check -r requirements-demo.txt; \
	fi
	@touch $@

demo: export DEMO_STARTED := $(shell date +%s.%N)
demo: $(VENV)/.demo-installed
	@$(BIN)/python tests/utils/stage_collection.py link $(LINKED) >/dev/null
	@cd tests/utils && $(BIN)/python demo.py

demo-fleet: $(VENV)/.demo-installed
	@$(BIN)/python tests/utils/stage_collection.py link $(LINKED) >/dev/null
	@cd tests/utils && $(BIN)/python demo.py --fleet

# ansible-test needs the collection under ansible_collections/iiot/connectware: a staged copy.
# stage_for_sanity: $(1) the venv's bin, $(2) where to stage. ansible_test_sanity: $(1) and $(2) the
# same, $(3) ansible-test's options, $(4) the log's name.
define stage_for_sanity
	$(1)/python tests/utils/ansible_test_bootstrap.py
	$(BIN)/python tests/utils/stage_collection.py copy $(2) >/dev/null
endef

define ansible_test_sanity
	cd $(2)/ansible_collections/iiot/connectware && $(1)/ansible-test sanity --venv --python $(PYVER) --color no $(3) 2>&1 | tee $(2)/$(4).log
	@! grep -q 'All targets skipped' $(2)/$(4).log || { echo 'ansible-test sanity tested nothing'; exit 1; }
endef

# pylint is the costliest sanity test by far: each of its contexts (modules, module_utils, units, the
# rest) makes astroid infer ansible-core anew. In `make test` it checks what the built collection
# ships, on the newest ansible-core; tests/ and bench/ get every other sanity test and pyflakes
# (make lint). `make test-full` runs pylint on everything, on both ansible-core versions.
sanity: venv
	$(call stage_for_sanity,$(BIN),$(STAGED))
	$(call ansible_test_sanity,$(BIN),$(STAGED),--skip-test pylint,sanity)
	$(call ansible_test_sanity,$(BIN),$(STAGED),--test pylint --exclude tests/ --exclude bench/,pylint)

sanity-full: venv
	$(call stage_for_sanity,$(BIN),$(STAGED))
	$(call ansible_test_sanity,$(BIN),$(STAGED),,sanity)

# On the oldest ansible-core, sanity checks what users run on it: everything the built collection
# ships (tests/ and bench/ are not in it: galaxy.yml build_ignore), with every test but pylint: its
# findings on the same code hardly depend on the ansible-core version, and the newest runs it.
sanity-oldest: venv $(OLDEST_VENV)/.installed
	$(call stage_for_sanity,$(OLDEST_BIN),$(TMP)/staged-oldest)
	$(call ansible_test_sanity,$(OLDEST_BIN),$(TMP)/staged-oldest,--exclude tests/ --exclude bench/ --skip-test pylint,sanity)

# Everything on the oldest too (make test-full).
sanity-oldest-full: venv $(OLDEST_VENV)/.installed
	$(call stage_for_sanity,$(OLDEST_BIN),$(TMP)/staged-oldest)
	$(call ansible_test_sanity,$(OLDEST_BIN),$(TMP)/staged-oldest,,sanity)

unit-oldest: collection $(OLDEST_VENV)/.installed
	$(OLDEST_BIN)/pytest tests/unit -q -p no:cacheprovider --basetemp=$(TMP)/pytest-unit-oldest

# A representative part of the playbook-level tests on the oldest ansible-core too (every module's
# main path, the role, the playbooks and templates: tests/integration/conftest.py, OLDEST_SUBSET):
# 2.16 renders templates to strings where 2.19 keeps types, which unit tests cannot see.
integration-oldest: collection $(OLDEST_VENV)/.installed
	$(OLDEST_BIN)/pytest tests/integration -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile -m oldest --basetemp=$(TMP)/pytest-integration-oldest

# Every integration test on the oldest ansible-core as well (make test-full).
integration-oldest-full: collection $(OLDEST_VENV)/.installed
	$(OLDEST_BIN)/pytest tests/integration -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile --basetemp=$(TMP)/pytest-integration-oldest

# ansible-lint; and pyflakes (undefined names, unused imports and variables) on tests/ and bench/, which
# pylint checks only in make test-full (sanity's pep8 checks their style).
lint: collection
	$(BIN)/ansible-lint --offline --profile production --nocolor
	$(BIN)/python -m flake8 --select F tests bench

unit: collection
	$(BIN)/pytest tests/unit

integration: collection
	$(BIN)/pytest tests/integration -n $(PYTEST_WORKERS) --dist loadfile

# Unit and integration tests in one pytest run, last, so `make test` ends with pytest's summary line.
pytest: collection
	$(BIN)/pytest tests/unit tests/integration -n $(PYTEST_WORKERS) --dist loadfile --basetemp=$(TMP)/pytest

# Docs lint, changelog, Galaxy build and import, execution environment build context.
ecosystem: collection
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(LINKED)/ansible_collections/iiot/connectware
	$(BIN)/antsibull-changelog lint
	rm -rf $(TMP)/build $(TMP)/ee && mkdir -p $(TMP)/build $(TMP)/ee
	$(BIN)/ansible-galaxy collection build --output-path $(TMP)/build
	$(BIN)/python tests/utils/check_build.py $(TMP)/build/iiot-connectware-*.tar.gz
	cd $(TMP)/build && GALAXY_IMPORTER_CONFIG=$(CURDIR)/tests/utils/galaxy-importer.cfg $(BIN)/python -m galaxy_importer.main iiot-connectware-*.tar.gz 2>&1 | tee importer.log
	@grep -q 'Importer processing completed successfully' $(TMP)/build/importer.log
	@! grep -qE '^(ERROR|WARNING)' $(TMP)/build/importer.log || { echo 'galaxy-importer reported problems'; exit 1; }
	cp tests/ee/execution-environment.yml tests/ee/requirements.yml $(TMP)/ee/
	cp $(TMP)/build/iiot-connectware-*.tar.gz $(TMP)/ee/iiot-connectware.tar.gz
	cd $(TMP)/ee && $(BIN)/ansible-builder create -f execution-environment.yml -c context --output-filename Containerfile
	test -f $(TMP)/ee/context/Containerfile && test -f $(TMP)/ee/context/_build/collections/iiot-connectware.tar.gz
	ANSIBLE_COLLECTIONS_PATH=$(TMP)/ee/installed $(BIN)/ansible-galaxy collection install --force $(TMP)/build/iiot-connectware-*.tar.gz -p $(TMP)/ee/installed >/dev/null
	$(BIN)/ansible-builder introspect $(TMP)/ee/installed | tee $(TMP)/ee/introspect.txt
	grep -q 'requests' $(TMP)/ee/introspect.txt

# The collection's HTML docs site (antsibull-docs sphinx-init + build, Sphinx warnings fail it, offline):
# .tmp/docs/build/html/index.html
docs: collection
	$(BIN)/python tests/utils/build_docs.py $(TMP)/docs

# Stages of `make test`: a queue, two at a time (every stage is CPU-bound and this is made for two
# cores), the longest first; the next starts when one ends. The time of each is printed at the end,
# then pytest's summary line.
TEST_STAGES ?= pytest sanity sanity-oldest integration-oldest ecosystem unit-oldest lint docs
TEST_SLOTS ?= 2
FULL_STAGES ?= sanity-full sanity-oldest-full unit-oldest integration-oldest-full lint ecosystem docs pytest

test: venv $(OLDEST_VENV)/.installed
	@$(BIN)/python tests/utils/run_stages.py --slots $(TEST_SLOTS) $(TEST_STAGES)

# Everything, with the whole integration suite on the oldest ansible-core too.
test-full: venv $(OLDEST_VENV)/.installed
	@$(BIN)/python tests/utils/run_stages.py $(FULL_STAGES)

# Release notes: fold changelogs/fragments into CHANGELOG.md/.rst for galaxy.yml's version.
changelog: collection
	PATH=$(BIN):$$PATH $(BIN)/antsibull-changelog release --version $$(sed -n 's/^version: //p' galaxy.yml)

# Fleet-scale benchmarks (not part of make test: about 20 minutes on a quiet machine at the default 50 and 200 hosts).
bench: collection
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

# The reliability and security suite alone (part of make test), printing its figures.
reliability: collection
	$(BIN)/pytest tests/integration/test_reliability_*.py tests/integration/test_execution_paths.py::test_no_secret_anywhere tests/unit/plugins/module_utils/test_properties.py -n $(PYTEST_WORKERS) --dist loadfile -rA -s -q

clean:
	rm -rf $(TMP) tests/output .pytest_cache
