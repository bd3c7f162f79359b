# The front door: every command a developer or CI needs. Each target installs what it needs.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
PORT ?= 8080
# Debian's chromium, for the browser tests; sudo only when not root.
CHROMIUM = /usr/bin/chromium
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test lint fmt clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the package's metadata changes.
$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

run: $(STAMP)  ## serve the mock on http://127.0.0.1:$(PORT), state in memory
	$(BIN)/mockso serve --port $(PORT)

test: $(STAMP) $(CHROMIUM)  ## the whole suite, with coverage
	$(BIN)/pytest --cov --cov-report=term

# The browser tests (tests/test_browser.py) drive Debian's chromium through Playwright; it is
# installed here only when missing, never downloaded by `playwright install`.
$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

lint: $(STAMP)  ## ruff (lint + format check), mypy --strict, and the import layers
	$(BIN)/ruff check mockso tests bench
	$(BIN)/ruff format --check mockso tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix mockso tests bench
	$(BIN)/ruff format mockso tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage .hypothesis .schemathesis

.PHONY: bench
bench: $(STAMP)  ## mockso beside WireMock, Prism, a granian ceiling and nginx -> bench/results.md (BENCH_ARGS=--quick)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Deep fuzzing: the `fuzz` tests (schemathesis over every operation and check, stateful walks, the
# app against a model, hostile input, concurrency) under the deep Hypothesis profile, then the
# memory soak. With URL=http://host:port it instead runs schemathesis's CLI against that running
# server, with the same checks (schemathesis.toml) and hooks, and prints its report; every check
# passes against `mockso serve --strict --auth strict --credentials tests/fuzz-credentials.yaml`
# (under --auth lenient, ignored_auth reports that any credentials are taken, as documented).
FUZZ_EXAMPLES ?= 100
FUZZ_ARGS ?=
.PHONY: fuzz
fuzz: $(STAMP)  ## deep fuzzing and the memory soak; URL=http://host:port fuzzes a running server
ifdef URL
	SCHEMATHESIS_HOOKS=tests/schemathesis_hooks.py $(BIN)/st run contracts/superoffice-images.yaml \
		--url $(URL) --max-examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)
else
	$(BIN)/pytest -p no:cacheprovider -m fuzz --hypothesis-profile=fuzz --timeout=3600
	$(BIN)/python tests/soak.py
endif
