# Two commands on a fresh machine:  `make demo`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
TS_SOURCES := $(wildcard component/*.ts) vite.config.ts tsconfig.json

.PHONY: demo test test-matrix setup build typecheck lint unit e2e bench wheel chromium redis clean

demo: setup build
	$(PY) -m streamlit run demo_app.py

test: setup build chromium redis
	npm run --silent typecheck
	npm test --silent
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

# The unit suite and the browser smoke tests (marker `smoke`) on the oldest supported Streamlit,
# a middle release and the newest. The old releases get their own venvs, made on first use and
# reused; the newest is what `make setup` installs in $(VENV). `.ci/run` passes MATRIX_NEWEST=
# (empty): its `make test` has just run every test on the newest.
STREAMLIT_OLDEST := 1.59.2
STREAMLIT_MIDDLE := 1.64.0
MATRIX_VENVS := $(foreach v,$(STREAMLIT_OLDEST) $(STREAMLIT_MIDDLE),.venvs/streamlit-$(v))
MATRIX_NEWEST ?= $(PY)
STREAMLIT_VERSION = $$($(1) -c 'import streamlit; print(streamlit.__version__)')

test-matrix: setup build chromium redis $(MATRIX_VENVS:%=%/.installed)
	@set -e; for py in $(MATRIX_VENVS:%=%/bin/python) $(MATRIX_NEWEST); do \
	  version=$(call STREAMLIT_VERSION,$$py); \
	  echo "=== test-matrix: Streamlit $$version ($$py)"; \
	  start=$$SECONDS; \
	  $$py -m pytest -q -p no:cacheprovider tests/unit tests/e2e -m "not e2e or smoke"; \
	  echo "=== test-matrix: Streamlit $$version passed in $$((SECONDS - start)) s"; \
	done
	@$(if $(MATRIX_NEWEST),true,echo "=== test-matrix: Streamlit $(call STREAMLIT_VERSION,$(PY)) ($(PY)) left to make test")

.venvs/streamlit-%/.installed: pyproject.toml
	$(PYTHON) -m venv .venvs/streamlit-$*
	.venvs/streamlit-$*/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	.venvs/streamlit-$*/bin/python -m pip install --quiet -e . --group test "streamlit==$*"
	@touch $@

setup: $(STAMPS)/python $(STAMPS)/node

$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group test --group typing --group lint
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --silent
	@touch $@

build: streamlit_persist/frontend/index.js

streamlit_persist/frontend/index.js: $(TS_SOURCES) $(STAMPS)/node
	npm run --silent build

# Playwright cannot download its own browser everywhere: use one that is installed,
# else install Debian's Chromium (needs root), else ask for SP_CHROMIUM.
chromium: $(STAMPS)/python
	@$(PY) -m tests.support.browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "No Chromium found: run 'playwright install chromium' or set SP_CHROMIUM=/path/to/chrome"; exit 1; \
	  fi; }
	@$(PY) -m tests.support.browser

bench: setup build chromium redis
	$(PY) -m pip install --quiet --group bench
	$(PY) benchmarks/bench_restore.py
	$(PY) benchmarks/bench_rerun.py --trials 60
	$(PY) benchmarks/bench_rerun.py --trials 60 --keys 1000
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_python.py
	$(PY) benchmarks/bench_tabs.py
	$(PY) benchmarks/bench_protection.py
	$(PY) benchmarks/bench_link_length.py
	$(PY) benchmarks/bench_server.py

# The Redis store's tests start their own redis-server (Debian's package) on a free port.
redis:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "No redis-server found: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)"; exit 1; \
	  fi; }

wheel: setup build
	rm -rf dist && $(PY) -m build --wheel --outdir dist

clean:
	rm -rf $(VENV) .venvs node_modules $(STAMPS) streamlit_persist/frontend dist
