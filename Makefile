# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types docs unit bench install clean

$(BIN)/python:
	@echo "make: creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off --upgrade pip

# Reinstall whenever the project's dependency files change.
# pip prints a line per package, so the first run (about a minute) is not silent.
$(STAMP): $(BIN)/python pyproject.toml $(wildcard package-lock.json)
	@echo "make: installing lambda-toolkit and its development dependencies into $(VENV) (about a minute the first time)"
	$(BIN)/python -m pip install --progress-bar off --no-color -e '.[dev]'
	@if [ -f package-lock.json ]; then echo "make: installing the test servers (npm ci)"; npm ci --no-audit --no-fund --loglevel=error; fi
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint examples/orders/template.yaml

types: $(STAMP)
	$(BIN)/mypy lambda_toolkit tests scripts

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

unit: $(STAMP)
	@rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet || true
	$(BIN)/coverage report --fail-under=90

test: lint types docs unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py $(BENCH)

clean:
	rm -rf $(VENV) site node_modules .mypy_cache .ruff_cache .coverage
