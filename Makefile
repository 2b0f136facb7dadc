# One entry point per task. `make site` sets everything up and builds the demo site (explorer,
# metrics and every analysis) into ./site;
# `make test` runs the whole test suite (unit, end-to-end build, JS, browser).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXPLORER := site_templates/explorer
CHROMIUM := /usr/bin/chromium

.PHONY: setup site test test-fast test-js test-browser serve bench wheel clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@

$(EXPLORER)/node_modules/.package-lock.json: $(EXPLORER)/package-lock.json
	cd $(EXPLORER) && npm ci --no-audit --no-fund

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	else sudo apt-get update && sudo apt-get install -y chromium; fi

setup: $(VENV)/.installed $(EXPLORER)/node_modules/.package-lock.json  ## install Python and npm dependencies

site: setup  ## build the demo site into ./site: explorer, pages and every analysis
	$(BIN)/python -m builder build --out site

test: setup $(CHROMIUM)  ## run every test (needs Chromium for the browser tests)
	cd $(EXPLORER) && npm test
	$(BIN)/python -m pytest -q

test-fast: setup  ## unit tests only (no browser)
	$(BIN)/python -m pytest -q -m "not browser"

test-js: setup  ## the explorer's JS unit tests (node --test)
	cd $(EXPLORER) && npm test

test-browser: setup $(CHROMIUM)  ## browser tests only
	$(BIN)/python -m pytest -q -m browser

serve:  ## serve ./site on http://127.0.0.1:8000/
	$(BIN)/python -m builder serve --dir site

bench: setup  ## print the benchmark figures
	$(BIN)/python benchmarks/embed_throughput.py
	$(BIN)/python benchmarks/explorer_bench.py
	$(BIN)/python benchmarks/topology_stage.py
	$(BIN)/python benchmarks/default_build.py

wheel: setup  ## build dist/clip_atlas-*.whl (templates, docs pages and the bundled explorer inside)
	rm -rf build
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf site build dist .pytest_cache
