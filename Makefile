# One entry point for developers and CI. Every target creates the virtualenv it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: all venv dev demo test test-rust test-py lint format bench clean

all: test

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# Rebuild the native extension in place (release: benchmarks and black-box tests measure it).
dev: venv
	$(BIN)/maturin develop --release -q --skip-install

demo: dev
	$(BIN)/plano demo

test: dev test-rust test-py

test-rust:
	cargo test --workspace -q

test-py: dev
	$(PY) -m pytest -q tests benches

lint: dev
	$(BIN)/ruff check python tests benches
	$(BIN)/ruff format --check python tests benches
	$(BIN)/mypy
	$(PY) -m mypy.stubtest plano._core
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -q -- -D warnings

format: venv
	$(BIN)/ruff check --fix python tests benches
	$(BIN)/ruff format python tests benches
	cargo fmt --all

bench: dev
	$(PY) -m pytest benches --benchmark-enable

clean:
	rm -rf $(VENV) target
