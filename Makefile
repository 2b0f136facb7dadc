# Developer tasks. `make setup` installs the explorer's pinned JavaScript toolchain (regl,
# esbuild) from package-lock.json; the Python builder bundles the explorer with it.
EXPLORER := site_templates/explorer
PYTHON ?= python

.PHONY: setup test-js test-browser bench-explorer

setup:
	cd $(EXPLORER) && npm ci --no-audit --no-fund

test-js:
	cd $(EXPLORER) && npm test

test-browser:
	$(PYTHON) -m pytest -m browser tests/browser

bench-explorer:
	$(PYTHON) benchmarks/explorer_bench.py
