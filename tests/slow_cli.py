"""Run the `alchemy` CLI with a slow fake model registered, for tests that kill a running batch.

Usage: python tests/slow_cli.py DELAY_SECONDS alchemy-args...  (the model is `slow-fake`,
provider `local`). Each answer prints `answered` to stderr, so a test can wait for real progress.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import llm


class _Options(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


class SlowAsync(llm.AsyncModel):
    model_id = "slow-fake"
    Options = _Options
    delay = 0.5

    async def execute(
        self, prompt: Any, stream: bool, response: Any, conversation: Any
    ) -> AsyncIterator[str]:
        await asyncio.sleep(SlowAsync.delay)
        response.set_usage(input=len(prompt.prompt.split()), output=8)
        print("answered", file=sys.stderr, flush=True)
        yield f"Refined (seed {prompt.options.seed}): {prompt.prompt[-80:]}"


class SlowSync(llm.Model):
    model_id = "slow-fake"
    Options = _Options

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        raise AssertionError("the pipeline calls the async model")


class SlowPlugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(SlowSync(), SlowAsync())


if __name__ == "__main__":
    SlowAsync.delay = float(sys.argv[1])
    llm.pm.register(SlowPlugin(), name="slow-fake-plugin")
    from alchemy_kit.cli.main import cli

    cli(sys.argv[2:], prog_name="alchemy")
