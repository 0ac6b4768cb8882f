"""Our generators as an ordinary llm plugin (entry point `llm`): the offline model and SmolLM2."""

from __future__ import annotations

from typing import Any

import llm


@llm.hookimpl
def register_models(register: Any) -> None:
    """Register the offline template model (and SmolLM2 when its extra is installed)."""
    from .local_llm import AsyncLocalTemplateModel, LocalTemplateModel

    register(LocalTemplateModel(), AsyncLocalTemplateModel())
    from . import smollm

    if smollm.is_available():
        register(smollm.SmolLM2Model())
