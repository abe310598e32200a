# roadsense: `make demo` runs the whole pipeline; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/roadsense/web/static/vendor/maplibre-gl.mjs

.PHONY: demo demo-quick test lint typecheck unit browser-deps vendor venv bench bench-gateway clean pg-deps java-deps

demo: venv vendor
	$(BIN)/roadsense demo

demo-quick: venv vendor
	$(BIN)/roadsense demo --no-serve

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@PY="$$(scripts/find-python)" || exit 1; \
	  [ -x $(BIN)/python ] || $$PY -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

vendor: $(VENDOR)

$(VENDOR): web/package.json web/package-lock.json web/vendor.sh
	bash web/vendor.sh

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@fc-list :lang=ko 2>/dev/null | grep -q . || { \
	  echo "installing Korean fonts (fonts-nanum) for the dashboard and the report"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq fonts-nanum >/dev/null; }

# Debian's PostgreSQL + PostGIS: the tests start a throwaway server on 127.0.0.1.
pg-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql and postgis for the store tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq postgresql postgresql-postgis >/dev/null; }

# Java for Apache Spark (roadsense analyze --engine spark, tests/spark): Debian's JRE
java-deps:
	@{ [ -n "$$JAVA_HOME" ] && [ -x "$$JAVA_HOME/bin/java" ]; } || command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's Java runtime (headless) for Spark"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

unit: venv vendor browser-deps pg-deps java-deps
	$(BIN)/pytest

test: lint typecheck unit

bench: venv vendor
	$(BIN)/python bench/demo_time.py
	$(BIN)/python bench/cli_start.py

# the gateway installed alone (pip install roadsense, no extras) in a fresh venv: its size
bench-gateway: venv
	$(BIN)/python bench/gateway_install_size.py

clean:
	rm -rf $(VENV) var test-artifacts web/node_modules src/roadsense/web/static/vendor
