"""Tests for alchemy_kit.models.inprocess: an in-process model runs one call at a time, its timeout
counts only from when the call has the model, and a timed-out or cancelled call stops generating.

No timing assertions: the budget's clock is a fake one the test advances, and a fake model
"generates" until the test releases it or the call's stop flag is raised.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from alchemy_kit.errors import TransientProviderError
from alchemy_kit.models import inprocess, providers, smollm_runtime
from alchemy_kit.models.catalog import ModelChoice

WAIT = 30.0  # generous bound on waiting for a thread: only a hang would reach it


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(inprocess, "clock", clock)
    return clock


class _Usage:
    input, output, details = 3, 2, None


class SlowModel:
    """A sync in-process model: each call generates (checking the stop flag between tokens)
    until the test releases it by its prompt."""

    model_id = "fake-slow"
    Options = None

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.most_active = 0
        self.entered: dict[str, threading.Event] = {}
        self.release: dict[str, threading.Event] = {}
        self.stopped: dict[str, threading.Event] = {}
        self.tokens: dict[str, int] = {}

    def gate(self, name: str) -> None:
        for table in (self.entered, self.release, self.stopped):
            table[name] = threading.Event()
        self.tokens[name] = 0

    def prompt(self, prompt: str, **_: Any) -> Any:
        return _Response(self, prompt)


class _Response:
    resolved_model = None

    def __init__(self, model: SlowModel, prompt: str) -> None:
        self.model, self.prompt = model, prompt

    def text(self) -> str:
        m, name = self.model, self.prompt
        with m.lock:
            m.active += 1
            m.most_active = max(m.most_active, m.active)
        m.entered[name].set()
        try:
            while not m.release[name].wait(0.005):  # one "token" per wait
                m.tokens[name] += 1
                if inprocess.should_stop():
                    m.stopped[name].set()
                    raise RuntimeError("stopped between tokens")
            return f"done {name}"
        finally:
            with m.lock:
                m.active -= 1

    def usage(self) -> _Usage:
        return _Usage()


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> SlowModel:
    model = SlowModel()
    monkeypatch.setattr(providers, "async_model", lambda choice: (model, False))
    return model


CHOICE = ModelChoice("local", "fake-slow")


async def _until(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, WAIT), "the fake model never got there"


async def test_calls_queue_one_at_a_time_and_queued_time_is_not_timed(
    slow: SlowModel, fake_clock: FakeClock
) -> None:
    names = ["a", "b", "c"]
    for name in names:
        slow.gate(name)
    calls = [
        asyncio.create_task(providers.acomplete(CHOICE, name, timeout=10, retries=0))
        for name in names
    ]
    order: list[str] = []
    for _ in names:
        running = await asyncio.wait_for(
            _first_entered(slow, [n for n in names if n not in order]), WAIT
        )
        order.append(running)
        fake_clock.now += 8  # each runs 8 s of its 10: the last one waited 16 s before it ran
        slow.release[running].set()
    done = await asyncio.gather(*calls)
    assert [c.text for c in done] == [f"done {n}" for n in names]
    assert slow.most_active == 1  # never two generations at once
    assert [c.duration_ms for c in done] == [8000] * 3  # its time with the model, not queued


async def _first_entered(slow: SlowModel, names: list[str]) -> str:
    while True:
        for name in names:
            if slow.entered[name].is_set():
                return name
        await asyncio.sleep(0.005)


async def test_a_timed_out_call_stops_generating_and_frees_the_model(
    slow: SlowModel, fake_clock: FakeClock
) -> None:
    slow.gate("long")
    slow.gate("next")
    long_call = asyncio.create_task(providers.acomplete(CHOICE, "long", timeout=10, retries=3))
    await _until(slow.entered["long"])
    nxt = asyncio.create_task(providers.acomplete(CHOICE, "next", timeout=10, retries=0))
    fake_clock.now += 11  # the running call is now over its budget
    with pytest.raises(
        TransientProviderError, match=r"timed out.*waiting for the model is not"
    ) as err:
        await long_call
    assert err.value.duration_ms == 11_000  # type: ignore[attr-defined]  (its time with the model)
    assert slow.stopped["long"].is_set()  # it stopped itself between tokens
    await _until(slow.entered["next"])
    slow.release["next"].set()
    assert (await nxt).text == "done next"
    assert slow.most_active == 1 and slow.active == 0


async def test_a_cancelled_call_stops_generating(slow: SlowModel, fake_clock: FakeClock) -> None:
    slow.gate("x")
    call = asyncio.create_task(providers.acomplete(CHOICE, "x", timeout=10))
    await _until(slow.entered["x"])
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await _until(slow.stopped["x"])  # the thread ended by the flag, not by being released


def test_a_call_cancelled_while_queued_never_runs() -> None:
    budget = inprocess.Budget(timeout=None)
    budget.cancelled.set()
    ran: list[int] = []
    with pytest.raises(inprocess.InProcessCancelled):
        inprocess.run_sync("m", lambda: ran.append(1), budget)
    assert ran == []


def test_finishing_late_is_a_timeout_and_no_call_means_no_stop(fake_clock: FakeClock) -> None:
    assert inprocess.should_stop() is False  # outside any call

    def late() -> str:
        assert inprocess.should_stop() is False
        fake_clock.now += 5
        return "late"

    with pytest.raises(inprocess.InProcessTimeout, match="over 2 s"):
        inprocess.run_sync("m", late, inprocess.Budget(timeout=2))
    assert inprocess.run_sync("m", late, inprocess.Budget(timeout=None)) == "late"


class _EndlessServer:
    """Streams tokens for as long as the callback lets it (up to a cap a real stop never hits)."""

    cap = 100_000

    def __init__(self, after: int, budget: inprocess.Budget) -> None:
        self.after, self.budget, self.sent = after, budget, 0

    def handle_chat_completions(self, request: dict[str, Any], callback: Any) -> None:
        for n in range(self.cap):
            self.sent = n + 1
            if n == self.after:
                self.budget.cancelled.set()  # the caller gives up mid-generation
            if callback({"choices": [{"delta": {"content": "word "}}]}):
                return


def test_smollm_generation_checks_the_stop_flag_between_tokens() -> None:
    budget = inprocess.Budget(timeout=None)
    server = _EndlessServer(after=5, budget=budget)
    with pytest.raises(inprocess.InProcessCancelled):
        inprocess.run_sync(
            "smollm", lambda: smollm_runtime.generate(server, {}, detect_loops=False), budget
        )
    assert server.sent == 6  # stopped at the first token after the flag


def test_smollm_generation_outside_a_call_runs_to_its_end() -> None:
    server = _EndlessServer(after=-1, budget=inprocess.Budget(timeout=None))
    server.cap = 50
    done = smollm_runtime.generate(server, {}, detect_loops=False)
    assert server.sent == 50 and done.text == "word " * 50
