"""Which llm plugins a process loads: all of them, or only ours when the run needs nothing else.

llm imports every installed plugin on first use, and each remote provider's plugin imports its
SDK: an offline `alchemy generate` spent 0.92 s of its 1.57 s loading SDKs it never called.
llm's documented switch is the LLM_LOAD_PLUGINS variable, read once when llm is imported, so the
CLI decides before anything imports llm. This module must not import llm itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from .catalog import DEFAULT_MODELS, SMOLLM_ID

ENV_VAR = "LLM_LOAD_PLUGINS"
# Our distribution: its entry points register the local model and the offline embedders.
OUR_DISTRIBUTION = "alchemy-kit"
# Embedding models our own plugin provides (search/embeddings.py; not imported here, it is heavy).
OUR_EMBEDDING_MODELS = ("all-MiniLM-L6-v2-int8", "alchemy-lexical")


def needs_only_our_plugin(
    settings: Iterable[tuple[str | None, str | None]], embedding_model: str | None
) -> bool:
    """True when every (provider, model) setting is one of our local models (the offline template
    model, or SmolLM2, which our plugin registers too) and the embeddings are ours."""
    local = (None, DEFAULT_MODELS["local"], SMOLLM_ID)
    return embedding_model in (None, *OUR_EMBEDDING_MODELS) and all(
        provider in (None, "local") and model in local for provider, model in settings
    )


def load_only_our_plugin() -> bool:
    """Make llm load only alchemy_kit's plugin in this process; False if it is too late or set."""
    if "llm" in sys.modules or ENV_VAR in os.environ:
        return False  # llm already read the variable, or the user chose the plugins
    os.environ[ENV_VAR] = OUR_DISTRIBUTION
    return True


__all__ = ["ENV_VAR", "load_only_our_plugin", "needs_only_our_plugin"]
