#!/usr/bin/env bash
# Re-execute notebooks in place, top to bottom in a fresh kernel, offline and hermetic:
# a temporary HOME, IPYTHONDIR, LLM_USER_PATH and database, so nothing of yours is read or written.
# Usage: scripts/run_notebooks.sh [notebooks/NN_name.ipynb ...]   (default: every notebook)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" IPYTHONDIR="$tmp/ipython" LLM_USER_PATH="$tmp/llm" JUPYTER_RUNTIME_DIR="$tmp/rt"
export ALCHEMY_DB="$tmp/alchemy.db"
mkdir -p "$HOME" "$IPYTHONDIR" "$LLM_USER_PATH"
if [ "$#" -eq 0 ]; then set -- notebooks/*.ipynb; fi
for nb in "$@"; do
  rm -f "$ALCHEMY_DB" "$ALCHEMY_DB-wal" "$ALCHEMY_DB-shm"
  echo "executing $nb"
  .venv/bin/jupyter nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
    --ExecutePreprocessor.store_widget_state=False "$nb"
done
