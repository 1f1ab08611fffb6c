# Every target bootstraps its own virtual environment with uv: nothing depends on what the machine has.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

# The interpreter itself, not a launcher in front of it (pyenv's shims): uv would take a shim for another
# Python than the one .venv was made with, and make the whole environment again at every sync.
PYTHON ?= $(shell python3.11 -c 'import sys; print(sys.executable)' 2>/dev/null || python3 -c 'import sys; print(sys.executable)')
UV := $(PYTHON) -m uv
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.synced
# pytest-xdist workers: the suite mostly waits (bots, `airflow dags test` subprocesses), so two per core.
WORKERS ?= 4

.PHONY: help venv demo test lint typecheck check test-compat chaos bench docs dist airflow test-ui cluster test-cluster bench-cluster clean

# Airflow versions the suite also runs on: version:date to resolve its dependencies as of:what runs.
# Newer FastAPI, cadwyn and pydantic releases break the execution API of Airflow 3.0 and 3.2 (pydantic 2.14:
# "needs a discriminator field"), so those get the packages of their day. "all" is the whole suite;
# "versions" is what differs between versions (tests/conftest.py), so that CI fits in its hour (the
# whole suite on 3.0 took CI to 58 minutes); `make test-compat SCOPE=all` runs the whole suite on each.
COMPAT := 2.11.2:now:all 3.0.6:2025-09-15:versions 3.1.8:now:versions 3.2.2:2026-06-01:versions
# What does not touch Airflow is not run again on each version: the user guide and the wheel are built
# the same whatever Airflow is installed (and their tools, mkdocs and twine, are not in those venvs),
# and the emulator imports nothing of Airflow.
COMPAT_SKIP := --ignore=tests/docs --ignore=tests/test_packaging.py --ignore=emulator/tests

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): pyproject.toml uv.lock src/botcity_provider/__init__.py emulator/pyproject.toml emulator/src/botcity_maestro_emulator/__init__.py
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON) --extra emulator --group dev --group docs --group ui --group bench --group cluster
	@touch $@

venv: $(STAMP)  ## create or update .venv from uv.lock

demo: $(STAMP)  ## the main job: a real `airflow dags test` of the example DAG against the bundled emulator
	$(VPY) scripts/demo.py

test: $(STAMP)  ## the whole test suite, in parallel workers (9 to 13 minutes on 2 cores)
	$(VPY) -m pytest -n $(WORKERS)

chaos: $(STAMP)  ## the long chaos run: DAGs against a failing emulator killed mid-wait; prints the counts (~10 min)
	BOTCITY_CHAOS_PROFILE=long $(VPY) -m pytest tests/chaos -p no:cacheprovider

# cryptography 51 made MultiFernet a class that Airflow 2.11 and 3.1 cannot set `is_encrypted` on:
# every connection with a password then reads as "not found". Those versions get the release before it.
test-compat: $(STAMP)  ## the suite again on Airflow 2.11, what differs on 3.0 to 3.2 (SCOPE=all: the whole suite on each)
	@failed=""; for spec in $(COMPAT); do \
	  IFS=: read -r version as_of scope <<< "$$spec"; venv=.venv-airflow-$$version; \
	  [ "$(SCOPE)" = all ] && scope=all; only=""; [ "$$scope" = all ] || only="-m versions"; \
	  pin=""; [ "$$as_of" = now ] || pin="--exclude-newer $$as_of \
	    --exclude-newer-package botcity-maestro-sdk=2100-01-01 \
	    --exclude-newer-package apache-airflow-providers-common-compat=2100-01-01"; \
	  [ -x $$venv/bin/python ] || $(UV) venv -q --python $(PYTHON) $$venv || exit 1; \
	  $(UV) pip install -q -p $$venv/bin/python $$pin "apache-airflow==$$version" "cryptography<51" -e ./emulator -e ".[emulator]" --group dev \
	    || exit 1; \
	  echo "== the suite ($$scope) on Airflow $$version"; \
	  $$venv/bin/python -m pytest -n $(WORKERS) -p no:cacheprovider $(COMPAT_SKIP) $$only || failed="$$failed $$version"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-compat failed on Airflow$$failed"; exit 1; fi

lint: $(STAMP)  ## ruff on everything
	$(VENV)/bin/ruff check src emulator tests bench dags_examples examples scripts
	$(VENV)/bin/ruff format --check src emulator tests bench dags_examples examples scripts

typecheck: $(STAMP)  ## mypy on src/ and emulator/src/
	$(VENV)/bin/mypy src emulator/src

check: lint typecheck  ## ruff and mypy

bench: $(STAMP)  ## every benchmark against the emulator, side by side with its baseline; writes bench/results.md (~15 min)
	$(VPY) bench/run.py

docs: $(STAMP)  ## build the user guide into site/ (mkdocs, strict: a warning or a missing snippet fails)
	$(VENV)/bin/mkdocs build --strict

# The backend is the locked hatchling in .venv (no build isolation), and the wheel is built from the sdist,
# so what is checked is what a user would install. dist/ is emptied first: twine checks every file in it.
dist: $(STAMP)  ## build the sdist and the wheel into dist/ and check them with twine (metadata, README)
	rm -rf dist
	$(UV) build --no-build-isolation --python $(VPY) --out-dir dist
	$(VENV)/bin/twine check --strict dist/*

airflow: $(STAMP)  ## a real local Airflow with the provider, the emulator and the example DAGs; Ctrl-C stops all
	$(VPY) scripts/airflow_local.py $(ARGS)

test-ui: $(STAMP)  ## browser test of the Airflow UI against make airflow's setup (Debian chromium, ~2 minutes)
	BOTCITY_UI_TESTS=1 $(VPY) -m pytest tests/ui -v -p no:cacheprovider

cluster: $(STAMP)  ## a distributed Airflow: PostgreSQL, Redis, 2 Celery workers, 2 triggerers, the emulator; Ctrl-C stops all
	$(VPY) scripts/cluster.py $(ARGS)

test-cluster: $(STAMP)  ## the provider's promises on make cluster's deployment, driven by the REST API; prints a report
	BOTCITY_CLUSTER_TESTS=1 $(VPY) -m pytest tests/cluster -v -p no:cacheprovider

bench-cluster: $(STAMP)  ## 500 and 1000 deferred waits on make cluster's deployment, ours beside one GET per wait; into bench/results.md (~1.5 h)
	$(VPY) bench/run.py --only cluster --merge

clean:  ## remove the virtual environments and caches
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache site dist
