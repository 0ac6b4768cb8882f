"""Our embedders as an ordinary llm plugin (entry point `llm`): MiniLM int8 and the lexical fallback."""

from __future__ import annotations

from typing import Any

import llm


@llm.hookimpl
def register_embedding_models(register: Any) -> None:
    """Register the offline MiniLM embedder and the lexical fallback."""
    from .embeddings import LexicalEmbedding, MiniLMEmbedding

    register(MiniLMEmbedding())
    register(LexicalEmbedding())
