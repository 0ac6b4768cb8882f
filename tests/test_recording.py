"""Tests for alchemy_kit.models.recording: every call recorded, replayed with no network and no key."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import Scripted, echo_upper, registered

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.engine.evaluate import evaluate
from alchemy_kit.errors import ReplayMissError
from alchemy_kit.models import recording
from alchemy_kit.models.catalog import ModelChoice
from alchemy_kit.models.providers import complete
from alchemy_kit.models.registry import resolve
from alchemy_kit.scoring.judge import judge
from alchemy_kit.store import Store, open_store

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
FAKE = ModelChoice("local", "fake-echo")


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def fake() -> Iterator[Scripted]:
    model = Scripted("fake-echo", echo_upper)
    with registered(model):
        yield model


def _ask(**kw: object) -> object:
    return complete(FAKE, "hello there", system="Greet.", temperature=0.2, seed=3, **kw)


def test_the_key_is_what_was_asked() -> None:
    call = recording.Call.of(FAKE, "p", "s", 0.2, 10, 3, {"task": "respond"})
    assert call.key == recording.Call.of(FAKE, "p", "s", 0.2, 10, 3, {"task": "respond"}).key
    others = [
        recording.Call.of(FAKE, "p", "s", 0.2, 10, 4, {"task": "respond"}),
        recording.Call.of(FAKE, "p", None, 0.2, 10, 3, {"task": "respond"}),
        recording.Call.of(
            ModelChoice("openai", "gpt-4o-mini"), "p", "s", 0.2, 10, 3, {"task": "respond"}
        ),
        recording.Call.of(FAKE, "p2", "s", 0.2, 10, 3, {"task": "respond"}),
    ]
    assert len({call.key, *(o.key for o in others)}) == 5


def test_record_then_replay_without_calling_the_model(store: Store, fake: Scripted) -> None:
    with recording.use(store), recording.purpose("other", "a greeting"):
        live = _ask()
    (row,) = store.rows("model_calls")
    assert row["purpose"] == "other" and row["provider"] == "local" and row["model"] == "fake-echo"
    assert (
        '"role": "system"' in row["messages"] and row["seed"] == 3 and live.call_key == row["key"]
    )
    with recording.use(store, mode="replay"):
        again = _ask()
    assert fake.calls == 1 and again.text == live.text and again.call_key == live.call_key
    assert again.input_tokens == live.input_tokens and again.output_tokens == live.output_tokens


def test_a_missing_recording_is_one_line_naming_the_call(store: Store, fake: Scripted) -> None:
    with (
        recording.use(store, mode="replay"),
        recording.purpose("eval", "prompt 1234abcd on case 'x'"),
        pytest.raises(ReplayMissError) as info,
    ):
        _ask()
    message = str(info.value)
    assert "\n" not in message and fake.calls == 0
    assert "eval call to local/fake-echo for prompt 1234abcd on case 'x'" in message
    assert "'hello there'" in message and "without --replay" in message


def test_replay_from_the_environment_never_calls_out(
    monkeypatch: pytest.MonkeyPatch, fake: Scripted
) -> None:
    monkeypatch.setenv("ALCHEMY_REPLAY", "1")
    with pytest.raises(ReplayMissError, match="needs a store holding a recording"):
        _ask()
    assert fake.calls == 0
    # The offline template model is deterministic and in-process: it runs as itself.
    assert complete(resolve(None, None), "a haiku about rain").text


def test_no_record_stores_nothing(store: Store, fake: Scripted) -> None:
    with recording.use(store, mode="off"):
        assert _ask().call_key is None
    assert store.counts()["model_calls"] == 0


def test_the_offline_model_is_never_recorded(store: Store) -> None:
    with recording.use(store):
        complete(resolve(None, None), "a haiku about rain")
    assert store.counts()["model_calls"] == 0


# -- a real provider over recorded HTTP, then replayed with the network blocked and no key ---------
def _openai_reply(text: str) -> dict:
    return {
        "url": OPENAI_URL,
        "json": {
            "choices": [{"message": {"content": text}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 30, "total_tokens": 70},
        },
    }


def test_an_openai_eval_and_judge_replay_with_the_network_blocked(
    store: Store, httpx2_mock: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = r.Request(input="weather report", phases=["coagulatio"])
    prompt = r.Prompt(
        "Report the weather.", "coagulatio", "openai", "gpt-4o-mini", request_id=req.id
    )
    store.add([req], [prompt])
    store.add_cases(
        [
            ev.Case(
                req.id,
                "rain",
                vars={"q": "rain"},
                assertions=[{"type": "icontains", "value": "rain"}],
            )
        ]
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-000000000000")
    httpx2_mock.add_response(**_openai_reply("Expect rain all day."))  # type: ignore[attr-defined]
    live = evaluate(store, request=req.id, models=["gpt-4o-mini"], retries=0)
    httpx2_mock.add_response(
        **_openai_reply('{"criteria": {"clarity": 8}, "overall": 8, "critique": "ok"}')
    )  # type: ignore[attr-defined]
    judged = judge(store, prompt.id, provider="openai", model="gpt-4o-mini")
    httpx2_mock.add_response(**_openai_reply("You are a weather reporter."))  # type: ignore[attr-defined]
    gen = ak.generate(
        "a weather report",
        count=1,
        phases=["coagulatio"],
        provider="openai",
        seed=7,  # unseeded generation draws a random seed: a replay needs the same one
        store=store,
        embed=False,
        progress=False,
    )
    assert live.failed == 0 and judged.score is not None and gen.ok
    assert {row["purpose"] for row in store.rows("model_calls")} == {"eval", "judge", "generate"}

    # No key, no mocked response, and any socket is refused: replay serves both calls.
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("ALCHEMY_REPLAY", "1")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replayed run opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    replayed = evaluate(store, request=req.id, models=["gpt-4o-mini"], again=True)
    regen = ak.generate(
        "a weather report",
        count=1,
        phases=["coagulatio"],
        provider="openai",
        seed=7,  # unseeded generation draws a random seed: a replay needs the same one
        store=store,
        embed=False,
        progress=False,
    )
    assert regen.ok, regen.error
    assert regen.prompts[0].content == gen.prompts[0].content
    again = judge(store, prompt.id, provider="openai", model="gpt-4o-mini")
    assert replayed.mode == "replay" and replayed.failed == 0 and again.score == judged.score
    (out,) = store.outputs_of(replayed.run_id)
    assert out.text == "Expect rain all day." and out.passed is True and out.cost_usd > 0


def test_two_cases_with_the_same_input_replay_as_themselves(store: Store) -> None:
    answers = iter(["first answer", "second answer"])
    sampler = Scripted("fake-sampler", lambda s, p: next(answers))  # a sampling model: no repeat
    req = r.Request(input="weather", phases=["coagulatio"])
    store.add([req], [r.Prompt("Reply.", "coagulatio", "local", "m", request_id=req.id)])
    store.add_cases(
        [
            ev.Case(
                req.id, "a", vars={"q": "same"}, assertions=[{"type": "contains", "value": "first"}]
            ),
            ev.Case(
                req.id,
                "b",
                vars={"q": "same"},
                assertions=[{"type": "contains", "value": "second"}],
            ),
        ]
    )
    with registered(sampler):
        live = evaluate(store, request=req.id, models=["fake-sampler"], concurrency=1)
        replayed = evaluate(store, request=req.id, models=["fake-sampler"], replay=True, again=True)
    by_case = lambda run: {o.case_id: (o.text, o.passed) for o in store.outputs_of(run)}  # noqa: E731
    assert by_case(live.run_id) == by_case(replayed.run_id) and store.counts()["model_calls"] == 2


def test_a_recording_replays_in_another_store(store: Store, tmp_path: Path) -> None:
    # A committed recording (notebook 06's) is replayed into a fresh store whose case and prompt
    # ids are new: calls key on what was asked and the case's name, never on row ids.
    answers = iter(["first answer", "second answer"])
    sampler = Scripted("fake-sampler", lambda s, p: next(answers))

    def fill(target: Store) -> str:
        req = r.Request(input="weather", phases=["coagulatio"])
        target.add([req], [r.Prompt("Reply.", "coagulatio", "local", "m", request_id=req.id)])
        target.add_cases([ev.Case(req.id, name, vars={"q": "same"}) for name in ("a", "b")])
        return req.id

    with registered(sampler):
        live = evaluate(store, request=fill(store), models=["fake-sampler"], concurrency=1)
    other = open_store(tmp_path / "other.db")
    try:
        other._put_calls([store._get_call(o.call_key) for o in store.outputs_of(live.run_id)])
        replayed = evaluate(other, request=fill(other), models=["fake-sampler"], replay=True)
        names = lambda s, run: {  # noqa: E731
            s.get_case(o.case_id).name: o.text for o in s.outputs_of(run)
        }
        assert names(other, replayed.run_id) == names(store, live.run_id)
        assert set(names(other, replayed.run_id).values()) == {"first answer", "second answer"}
    finally:
        other.close()
