PY := .venv/bin/python
# Open JTalk uses Debian's dictionary (open-jtalk-mecab-naist-jdic); nothing is downloaded.
export OPEN_JTALK_DICT_DIR ?= /var/lib/mecab/dic/open-jtalk/naist-jdic

# Only lint/type-check directories that exist yet.
LINT_DIRS := $(wildcard election media firmware drivers counting reception ui bench demo tests)
# Keep in sync with [tool.mypy] files in pyproject.toml.
MYPY_DIRS := $(wildcard election media firmware drivers counting reception ui)

define run-lint
	$(if $(LINT_DIRS),.venv/bin/ruff check $(LINT_DIRS),@echo "lint: nothing to ruff")
	$(if $(MYPY_DIRS),.venv/bin/mypy $(MYPY_DIRS),@echo "lint: nothing to mypy")
endef

.DEFAULT_GOAL := help
.PHONY: help setup test lint demo bench run clean

help:
	@echo "make setup  - install apt packages, create .venv, install requirements"
	@echo "make test   - run pytest, then lint"
	@echo "make lint   - ruff check + mypy (strict)"
	@echo "make demo   - run the demo (python -m demo)"
	@echo "make bench  - run the benchmarks (python -m bench; BENCH_ARGS=--quick for small sizes)"
	@echo "make run    - start the voting UI (python -m ui)"
	@echo "make clean  - remove .venv and build artefacts"

setup:
	@scripts/setup.sh

test: setup
	$(PY) -m pytest
	$(run-lint)

lint: setup
	$(run-lint)

demo: setup
	$(PY) -m demo

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

run: setup
	$(PY) -m ui

clean:
	rm -rf .venv build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
