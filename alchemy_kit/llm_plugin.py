"""Our models as ordinary llm plugins (entry point `llm`): the offline generator and embedders."""

from __future__ import annotations

from typing import Any

import llm


@llm.hookimpl
def register_models(register: Any) -> None:
    """Register the offline template model (and SmolLM2 when its extra is installed)."""
    from .local_model import AsyncLocalTemplateModel, LocalTemplateModel

    register(LocalTemplateModel(), AsyncLocalTemplateModel())
    from . import smollm

    if smollm.is_available():
        register(smollm.SmolLM2Model())


@llm.hookimpl
def register_embedding_models(register: Any) -> None:
    """Register the offline MiniLM embedder and the lexical fallback."""
    from .embeddings import LexicalEmbedding, MiniLMEmbedding

    register(MiniLMEmbedding())
    register(LexicalEmbedding())
