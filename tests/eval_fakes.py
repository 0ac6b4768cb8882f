"""Fake models for the evaluation tests: scripted answers, a counting target, a scripted judge.

Each fake is an in-process llm model (provider `local`) whose reply is a function of the system
message and the prompt, so a test states exactly what the model does and counts every call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import llm


class _Options(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


class Scripted(llm.Model):
    """A model that answers with `reply(system, prompt)`; `calls` counts every answer."""

    Options = _Options

    def __init__(self, model_id: str, reply: Callable[[str | None, str], str]) -> None:
        self.model_id = model_id
        self.reply = reply
        self.calls = 0
        self.seen: list[tuple[str | None, str]] = []

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        self.calls += 1
        self.seen.append((prompt.system or None, prompt.prompt))
        text = self.reply(prompt.system or None, prompt.prompt)
        response.set_usage(
            input=max(1, len(prompt.prompt.split())), output=max(1, len(text.split()))
        )
        yield text


class _Plugin:
    def __init__(self, models: tuple[Scripted, ...]) -> None:
        self.models = models

    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        for m in self.models:
            register(m)


# Every plugin object ever registered stays referenced. models/registry.py caches llm's model
# table under the id() of each loaded plugin; a freed fake's address can be reused by the next
# fake registered under the same model id, which then looked unchanged and served the previous
# fake (test_graders' pairwise test failed so in about 2 of 4 serial runs of the fast set).
_EVER_REGISTERED: list[_Plugin] = []


@contextmanager
def registered(*models: Scripted) -> Iterator[tuple[Scripted, ...]]:
    """Register fakes with llm for the duration of a block."""
    name = "alchemy-eval-fakes-" + "-".join(m.model_id for m in models)
    plugin = _Plugin(models)
    _EVER_REGISTERED.append(plugin)
    llm.pm.register(plugin, name=name)
    try:
        yield models
    finally:
        llm.pm.unregister(name=name)


def echo_upper(system: str | None, prompt: str) -> str:
    """Answer with the input in capitals, prefixed by the first word of the system message."""
    head = (system or "").split()[0] if system else "none"
    return f"{head}: {prompt.upper()}"


_LIMIT = re.compile(r"(?:at most|under|no more than)\s+(\d+)\s+words", re.I)


def word_limit_target(system: str | None, prompt: str) -> str:
    """Obeys a word limit only when the instructions state one: else it rambles (60 words)."""
    words = [f"{w}" for w in (prompt.split() * 30)][:60]
    m = _LIMIT.search(system or "")
    if m:
        words = words[: int(m.group(1))]
    return " ".join(words)


def rubric_judge(system: str | None, prompt: str) -> str:
    """A judge that gives 9/10 to outputs mentioning rain and 2/10 otherwise."""
    output = prompt.split("<output>", 1)[1].split("</output>", 1)[0]
    score = 9 if "rain" in output.lower() else 2
    return f'{{"reason": "judged on rain", "score": {score}}}'
