# The front door: every command a developer or CI needs. Each target installs what it needs.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
PORT ?= 8080

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

test: $(STAMP)  ## the whole suite, with coverage
	$(BIN)/pytest --cov --cov-report=term

lint: $(STAMP)  ## ruff (lint + format check) and mypy --strict
	$(BIN)/ruff check mockso tests
	$(BIN)/ruff format --check mockso tests
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix mockso tests
	$(BIN)/ruff format mockso tests

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage .hypothesis
