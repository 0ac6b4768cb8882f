"""Tests for alchemy_kit.models (providers, registry, options, keys): real plugins over mocked HTTP."""

from __future__ import annotations

import asyncio
import json
import traceback
from typing import Any

import llm
import pytest
from helpers import loaded_by

from alchemy_kit.errors import (
    MissingKeyError,
    ProviderError,
    ProviderLimitError,
    TransientProviderError,
    UnknownModelError,
    ValidationError,
)
from alchemy_kit.models import catalog, failures, keys, options, registry, sdk
from alchemy_kit.models.catalog import ModelChoice
from alchemy_kit.models.providers import acomplete, complete
from alchemy_kit.models.registry import resolve
from alchemy_kit.vocab import estimate_tokens

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
GEMINI_URL = (
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent"
)
OPENROUTER_URL = "https://openrouter.ai/api/v1/responses"
OLLAMA_URL = "http://127.0.0.1:11434/api/chat"

SECRET = "sk-secret-abcdef123456"  # a fake key; must never show up in errors


# --------------------------------------------------------------------------- fake models


class _FakeOptions(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


CALLS: dict[str, int] = {}


def _fake_text(model_id: str, prompt: llm.Prompt) -> str:
    return f"{model_id}:{prompt.prompt}"


class FakeModel(llm.Model):
    """Sync twin of FakeAsyncModel (llm registers models in pairs)."""

    can_stream = True
    Options = _FakeOptions

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def]
        yield _fake_text(self.model_id, prompt)


class FakeAsyncModel(llm.AsyncModel):
    """Behaviour chosen by model id: fake-echo, fake-nousage, fake-slow."""

    can_stream = True
    Options = _FakeOptions

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    async def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def]
        CALLS[self.model_id] = CALLS.get(self.model_id, 0) + 1
        if self.model_id == "fake-slow":
            await asyncio.sleep(5)
        yield _fake_text(self.model_id, prompt)
        if self.model_id != "fake-nousage":
            response.set_usage(input=11, output=7)


class FakePlugin:
    __name__ = "alchemy-test-fakes"

    @llm.hookimpl
    def register_models(self, register):  # type: ignore[no-untyped-def]
        for model_id in ("fake-echo", "fake-nousage", "fake-slow"):
            register(FakeModel(model_id), FakeAsyncModel(model_id))
        register(FakeModel("fake-synconly"))  # like an in-process plugin without async support


@pytest.fixture
def fakes():
    """Register the fake models for one test."""
    CALLS.clear()
    plugin = FakePlugin()
    llm.pm.register(plugin, name="alchemy-test-fakes")
    try:
        yield CALLS
    finally:
        llm.pm.unregister(plugin)


LOCAL = ModelChoice("local", "fake-echo")


# --------------------------------------------------------------------------- mocked providers


def _sse(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


ANTHROPIC_EVENTS = [
    {"type": "message_start", "message": {"content": [], "usage": {"input_tokens": 11}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "canned"},
    },
    {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 7}},
]


def _ok(provider: str) -> dict[str, Any]:
    """add_response kwargs for a successful canned answer with usage 11/7."""
    if provider == "openai":
        return {
            "url": OPENAI_URL,
            "json": {
                "choices": [{"message": {"content": "canned"}}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            },
        }
    if provider == "anthropic":
        return {
            "url": ANTHROPIC_URL,
            "headers": {"content-type": "text/event-stream"},
            "content": _sse(ANTHROPIC_EVENTS),
        }
    if provider == "google":
        return {
            "url": GEMINI_URL,
            "json": [
                {
                    "modelVersion": "gemini-2.5-flash-001",
                    "candidates": [{"content": {"parts": [{"text": "canned"}]}}],
                    "usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 7},
                }
            ],
        }
    if provider == "openrouter":
        return {
            "url": OPENROUTER_URL,
            "json": {
                "output": [
                    {"type": "message", "content": [{"type": "output_text", "text": "canned"}]}
                ],
                "usage": {"input_tokens": 11, "output_tokens": 7},
            },
        }
    assert provider == "ollama"
    return {
        "url": OLLAMA_URL,
        "json": {
            "done": True,
            "message": {"role": "assistant", "content": "canned"},
            "prompt_eval_count": 11,
            "eval_count": 7,
        },
    }


def _error(provider: str, status: int, message: str) -> dict[str, Any]:
    """add_response kwargs for an error in each provider's own body format."""
    url = _ok(provider)["url"]
    if provider == "google":
        code = {429: "RESOURCE_EXHAUSTED", 401: "UNAUTHENTICATED"}.get(status, "INTERNAL")
        body: Any = [{"error": {"code": status, "message": message, "status": code}}]
    elif provider == "anthropic":
        body = {"type": "error", "error": {"type": "api_error", "message": message}}
    elif provider == "ollama":
        body = {"error": message}
    else:
        body = {"error": {"message": message, "type": "error", "code": status}}
    return {"url": url, "status_code": status, "json": body}


PROVIDER_CASES = {
    # provider: (model id, key env var, fixture name)
    "openai": ("gpt-4o-mini", "OPENAI_API_KEY", "httpx2_mock"),
    "anthropic": ("anthropic/claude-haiku-4-5-20251001", "ANTHROPIC_API_KEY", "httpx2_mock"),
    "google": ("gemini/gemini-2.5-flash", "LLM_GEMINI_KEY", "httpx_mock"),
    "openrouter": ("openrouter/openai/gpt-4o-mini", "OPENROUTER_KEY", "httpx2_mock"),
    "ollama": ("ollama/llama3.2", None, "httpx_mock"),
}
KEYED = [p for p, case in PROVIDER_CASES.items() if case[1]]


@pytest.fixture
def wire(request, monkeypatch, isolated_llm):
    """Return (choice, mock) for a provider, with a key configured and OpenRouter's list cached."""
    provider = request.param
    model_id, env, fixture = PROVIDER_CASES[provider]
    mock = request.getfixturevalue(fixture)
    if env:
        monkeypatch.setenv(env, SECRET)
    if provider == "ollama":  # the recorded HTTP stands in for a running server
        monkeypatch.setattr(registry, "ollama_probe", lambda timeout=0.3: True)
    # A seeded cache lets llm-openrouter register its models without a GET.
    (isolated_llm / "openrouter_models.json").write_text('{"data":[{"id":"openai/gpt-4o-mini"}]}')
    return resolve(provider, model_id), mock


def _body(mock: Any) -> dict[str, Any]:
    requests = mock.get_requests()
    assert requests, "no HTTP request was made"
    return json.loads(requests[-1].content)


# --------------------------------------------------------------------------- HTTP: success


@pytest.mark.parametrize("wire", list(PROVIDER_CASES), indirect=True)
async def test_options_reach_the_wire_and_usage_is_recorded(wire):
    choice, mock = wire
    mock.add_response(**_ok(choice.provider))
    result = await acomplete(
        choice, "hi", system="be brief", temperature=0.5, max_tokens=20, seed=42, backoff=0
    )
    assert result.text == "canned"
    assert (result.input_tokens, result.output_tokens, result.tokens_estimated) == (11, 7, False)
    assert result.attempts == 1
    assert result.provider == choice.provider
    body = _body(mock)
    if choice.provider == "openai":
        assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.5, 20, 42)
        assert body["messages"][0] == {"role": "system", "content": "be brief"}
        assert result.options == {"temperature": 0.5, "max_tokens": 20, "seed": 42}
    elif choice.provider == "anthropic":
        assert (body["temperature"], body["max_tokens"], "seed" in body) == (0.5, 20, False)
        assert "be brief" in json.dumps(body["system"])
    elif choice.provider == "google":
        config = body["generationConfig"]
        assert (config["temperature"], config["maxOutputTokens"]) == (0.5, 20)
        assert result.options == {"temperature": 0.5, "max_output_tokens": 20}
    elif choice.provider == "openrouter":
        # llm's Responses client renames max_tokens; seed is not supported there and is dropped.
        assert (body["temperature"], body["max_output_tokens"], "seed" in body) == (0.5, 20, False)
    else:
        assert body["options"] == {"temperature": 0.5, "num_predict": 20, "seed": 42}
        assert body["stream"] is False
    expected_model = "gemini-2.5-flash-001" if choice.provider == "google" else choice.model_id
    assert result.model == expected_model


@pytest.mark.parametrize("wire", list(PROVIDER_CASES), indirect=True)
async def test_pipeline_sends_a_clean_prompt(wire, db_path):
    """Through the pipeline, the bytes on the wire carry our instructions only: no header or
    options meant for our offline engine (phase and persona go to in-process models as options)."""
    from alchemy_kit.engine.pipeline import agenerate
    from alchemy_kit.phases import build_messages, strategy_for
    from alchemy_kit.store import open_store

    choice, mock = wire
    mock.add_response(**_ok(choice.provider))
    idea = "Summarise a contract for a busy founder"
    res = await agenerate(
        idea,
        store=open_store(db_path),
        count=1,
        phases=["solutio"],
        persona="writing",
        provider=choice.provider,
        model=choice.model_id,
        temperature=0.5,
        embed=False,
        progress=False,
    )
    assert res.ok, res.error
    raw = mock.get_requests()[-1].content.decode()
    # variant 0 follows the first strategy, and real providers are told it too
    system, prompt = build_messages("solutio", "writing", idea, strategy=strategy_for(0))
    assert "[alchemy" not in raw and "persona=" not in raw and "phase=" not in raw
    body = json.loads(raw)
    assert '"phase"' not in raw and '"persona"' not in raw, body
    # the system and user texts arrive exactly as built, with nothing prepended
    texts = list(_strings(body))
    assert system in texts and prompt in texts, texts


def _strings(value: Any) -> Any:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# --------------------------------------------------------------------------- HTTP: retries


@pytest.mark.parametrize("wire", list(PROVIDER_CASES), indirect=True)
async def test_429_is_retried_by_us_only(wire):
    choice, mock = wire
    mock.add_response(**_error(choice.provider, 429, "Resource has been exhausted (quota)"))
    mock.add_response(**_ok(choice.provider))
    result = await acomplete(choice, "hi", backoff=0)
    assert result.text == "canned"
    # Two requests and two attempts: the SDKs did not retry on their own.
    assert result.attempts == 2
    assert len(mock.get_requests()) == 2


@pytest.mark.parametrize("wire", ["openai", "google"], indirect=True)
async def test_persistent_503_ends_in_transient_error(wire):
    choice, mock = wire
    for _ in range(3):
        mock.add_response(**_error(choice.provider, 503, "The model is overloaded."))
    with pytest.raises(TransientProviderError) as info:
        await acomplete(choice, "hi", retries=2, backoff=0)
    assert info.value.attempts == 3  # type: ignore[attr-defined]
    assert len(mock.get_requests()) == 3


@pytest.mark.parametrize("wire", list(PROVIDER_CASES), indirect=True)
async def test_rejected_key_fails_at_once_without_leaking_it(wire):
    choice, mock = wire
    # A 401 body that echoes the key back must not carry it into our error.
    # Gemini answers a bad key with HTTP 400 and this text; llm-gemini passes on only the text.
    status, text = (400, "API key not valid.") if choice.provider == "google" else (401, "Bad key:")
    mock.add_response(**_error(choice.provider, status, f"{text} {SECRET}"))
    with pytest.raises(ProviderError) as info:
        await acomplete(
            choice, "hi", backoff=0, key=SECRET if choice.provider == "ollama" else None
        )
    err = info.value
    assert not isinstance(err, (MissingKeyError, TransientProviderError))
    assert "rejected the API key" in str(err)
    assert len(mock.get_requests()) == 1
    rendered = "".join(traceback.format_exception(err))
    assert SECRET not in rendered
    assert err.__cause__ is None


@pytest.mark.parametrize("wire", ["openai"], indirect=True)
async def test_bad_request_is_permanent(wire):
    choice, mock = wire
    mock.add_response(**_error("openai", 400, "bad things"))
    with pytest.raises(ProviderError, match="HTTP 400") as info:
        await acomplete(choice, "hi", backoff=0)
    assert not isinstance(info.value, TransientProviderError)
    assert len(mock.get_requests()) == 1


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize("provider", KEYED)
async def test_missing_key_fails_before_any_http(provider, httpx_mock, httpx2_mock):
    model_id, env, _ = PROVIDER_CASES[provider]
    with pytest.raises(MissingKeyError) as info:
        await acomplete(resolve(provider, model_id), "hi")
    assert env in str(info.value)
    assert f"llm keys set {catalog.PROVIDER_INFO[provider].key_alias}" in str(info.value)
    assert httpx_mock.get_requests() == [] and httpx2_mock.get_requests() == []


async def test_key_precedence_explicit_then_keys_json_then_env(
    isolated_llm, monkeypatch, httpx2_mock
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-000000")
    choice = resolve("openai", None)
    httpx2_mock.add_response(**_ok("openai"))
    await acomplete(choice, "hi")
    (isolated_llm / "keys.json").write_text(json.dumps({"openai": "sk-from-json-000000"}))
    httpx2_mock.add_response(**_ok("openai"))
    await acomplete(choice, "hi")
    httpx2_mock.add_response(**_ok("openai"))
    await acomplete(choice, "hi", key="sk-explicit-000000")
    auth = [r.headers["authorization"] for r in httpx2_mock.get_requests()]
    assert auth == [
        "Bearer sk-from-env-000000",
        "Bearer sk-from-json-000000",
        "Bearer sk-explicit-000000",
    ]


def test_scrub_removes_known_values_and_key_shapes():
    text = "key sk-proj-abc123def456 and AIzaSyA1234567890abcdef and mysecretvalue"
    out = keys.scrub(text, ["mysecretvalue"])
    assert "abc123" not in out and "AIzaSy" not in out and "mysecret" not in out
    assert out.count("[redacted]") == 3


# --------------------------------------------------------------------------- options


def test_anthropic_temperature_limit_before_http(httpx2_mock, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    choice = resolve("anthropic", None)
    with pytest.raises(ProviderLimitError, match=r"anthropic accepts temperature 0\.\.1"):
        complete(choice, "hi", temperature=1.5)
    assert httpx2_mock.get_requests() == []
    options.check_options(resolve("openai", None), 1.5, 10)  # fine for OpenAI


@pytest.mark.parametrize(("temperature", "max_tokens"), [(-0.1, None), (2.5, None), (None, 0)])
def test_check_options_general_limits(temperature, max_tokens):
    with pytest.raises(ProviderLimitError) as info:
        options.check_options(LOCAL, temperature, max_tokens)
    assert isinstance(info.value, ValidationError)


def test_options_unknown_to_the_model_are_dropped(fakes):
    model = llm.get_async_model("fake-echo")
    mapped = options.map_options(
        ModelChoice("anthropic", "x"), model, temperature=0.2, max_tokens=5, seed=1
    )
    assert mapped == {"temperature": 0.2, "max_tokens": 5}  # anthropic has no seed
    assert options.map_options(ModelChoice("google", "x"), model, max_tokens=5) == {}


# --------------------------------------------------------------------------- fakes: no HTTP


async def test_async_fake_model_completion(fakes):
    result = await acomplete(LOCAL, "hello", temperature=0.3, max_tokens=9, seed=3)
    assert result.text == "fake-echo:hello"
    assert (result.input_tokens, result.output_tokens, result.tokens_estimated) == (11, 7, False)
    assert result.options == {"temperature": 0.3, "max_tokens": 9, "seed": 3}
    assert result.model == "fake-echo" and result.attempts == 1 and result.duration_ms >= 0


async def test_sync_only_model_runs_off_the_event_loop(fakes):
    result = await acomplete(ModelChoice("local", "fake-synconly"), "hi", max_tokens=4)
    assert result.text == "fake-synconly:hi"
    assert result.options == {"max_tokens": 4}
    assert result.tokens_estimated is True  # the fake reports no usage


async def test_missing_usage_is_estimated(fakes):
    result = await acomplete(ModelChoice("local", "fake-nousage"), "one two, three", system="yy")
    assert result.tokens_estimated is True
    assert result.input_tokens == estimate_tokens("yy\none two, three") == 5
    assert result.output_tokens == estimate_tokens("fake-nousage:one two, three")


async def test_timeout_is_retried_then_transient(fakes):
    choice = ModelChoice("local", "fake-slow")
    with pytest.raises(TransientProviderError, match="timed out") as info:
        await acomplete(choice, "hi", timeout=0.05, retries=1, backoff=0)
    assert info.value.attempts == 2  # type: ignore[attr-defined]
    assert fakes["fake-slow"] == 2


async def test_sync_complete_inside_running_loop(fakes):
    asyncio.get_running_loop()  # we are inside pytest-asyncio's loop
    result = complete(LOCAL, "jupyter")
    assert result.text == "fake-echo:jupyter"


def test_sync_complete_in_plain_script(fakes):
    assert complete(LOCAL, "script").text == "fake-echo:script"


async def test_concurrent_calls_with_gather(fakes):
    results = await asyncio.gather(*(acomplete(LOCAL, f"p{i}") for i in range(5)))
    assert [r.text for r in results] == [f"fake-echo:p{i}" for i in range(5)]


def test_anthropic_sdk_keeps_its_retries_outside_our_calls(fakes):
    import llm_anthropic

    # Earlier tests called anthropic through us; the conftest restored the plugin's own client.
    assert not getattr(llm_anthropic.AsyncAnthropic, "_alchemy_no_retry", False)
    sdk.patch_anthropic()
    assert llm_anthropic.AsyncAnthropic(api_key="x").max_retries == 2
    token = sdk.NO_SDK_RETRY.set(True)
    try:
        assert llm_anthropic.AsyncAnthropic(api_key="x").max_retries == 0
    finally:
        sdk.NO_SDK_RETRY.reset(token)


# --------------------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("model_id", "provider"),
    [
        ("gpt-4o-mini", "openai"),
        ("4o-mini", "openai"),
        ("anthropic/claude-haiku-4-5-20251001", "anthropic"),
        ("gemini/gemini-2.5-flash", "google"),
        ("ollama/llama3.2", "ollama"),
        ("ollama/qwen3:0.6b", "ollama"),
    ],
)
def test_resolve_infers_provider(model_id, provider):
    choice = resolve(None, model_id)
    assert choice.provider == provider
    assert choice.model_id == ("gpt-4o-mini" if model_id == "4o-mini" else model_id)


def test_resolve_openrouter_by_plugin_module_and_without_key(isolated_llm, monkeypatch):
    # No key: llm-openrouter registers nothing, yet the id is accepted (MissingKeyError later).
    assert resolve(None, "openrouter/openai/gpt-4o-mini").provider == "openrouter"
    (isolated_llm / "openrouter_models.json").write_text('{"data":[{"id":"openai/gpt-4o-mini"}]}')
    monkeypatch.setenv("OPENROUTER_KEY", SECRET)
    assert type(llm.get_model("openrouter/openai/gpt-4o-mini")).__module__ == "llm_openrouter"
    assert resolve(None, "openrouter/openai/gpt-4o-mini").provider == "openrouter"
    with pytest.raises(UnknownModelError):
        resolve(None, "openrouter/nobody/nothing")


def test_resolve_defaults(fakes, monkeypatch):
    assert resolve("anthropic", None) == ModelChoice(
        "anthropic", "anthropic/claude-haiku-4-5-20251001"
    )
    # Stand in for the real local engine so this test does not depend on it.
    monkeypatch.setitem(catalog.DEFAULT_MODELS, "local", "fake-echo")
    assert resolve() == ModelChoice("local", "fake-echo")
    assert resolve("local", "fake-echo") == LOCAL


def test_resolve_errors(fakes):
    with pytest.raises(UnknownModelError, match="unknown provider"):
        resolve("mistral", None)
    with pytest.raises(UnknownModelError, match="unknown model"):
        resolve(None, "no-such-model")
    with pytest.raises(UnknownModelError, match="belongs to openai, not anthropic"):
        resolve("anthropic", "gpt-4o-mini")
    with pytest.raises(UnknownModelError, match="belongs to ollama"):
        resolve("google", "ollama/llama3.2")
    with pytest.raises(UnknownModelError, match="provider='local'"):
        resolve(None, "fake-echo")
    with pytest.raises(UnknownModelError, match="not served by the openai plugin"):
        resolve("openai", "fake-echo")


def test_resolve_missing_plugin_says_what_to_install(monkeypatch):
    monkeypatch.setattr(registry, "_plugin_loaded", lambda p: p in ("openai", "local"))
    monkeypatch.setattr(registry, "_plugin_installed", lambda p: p == "openai")
    with pytest.raises(UnknownModelError, match=r"llm-anthropic.*alchemy-kit\[providers\]"):
        resolve("anthropic", None)
    with pytest.raises(UnknownModelError, match="llm-gemini"):
        resolve(None, "gemini/gemini-9-ultra")
    monkeypatch.setattr(registry, "_plugin_installed", lambda p: True)
    with pytest.raises(UnknownModelError, match="installed but not loaded"):
        resolve("ollama", None)


# --------------------------------------------------------------------------- status, limits, prices


@pytest.mark.parametrize("ollama_up", [True, False])
def test_model_status(monkeypatch, ollama_up):
    monkeypatch.setattr(registry, "ollama_probe", lambda timeout=0.3: ollama_up)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    listed = registry.model_status()
    assert [r["provider"] for r in listed] == [*catalog.PROVIDERS, "local"]  # + SmolLM2's row
    assert listed[-1]["model"] == "smollm2-135m"
    rows = {r["provider"]: r for r in listed[:-1]}
    assert rows["anthropic"]["usable"] is True and rows["anthropic"]["key_configured"] is True
    assert rows["openai"]["usable"] is False
    assert "OPENAI_API_KEY" in rows["openai"]["reason"]
    assert "llm keys set openai" in rows["openai"]["reason"]
    assert rows["ollama"]["usable"] is ollama_up
    assert rows["ollama"]["key_configured"] is None
    assert SECRET not in repr(rows)


def test_ollama_probe_honours_ollama_host(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:9")
    assert catalog.ollama_base_url() == "http://127.0.0.1:9"
    monkeypatch.setenv("OLLAMA_HOST", "https://user:pw@example.org")
    assert catalog.ollama_base_url() == "https://example.org:11434"
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # the discard port: nothing answers
    assert catalog.ollama_probe(timeout=0.2) is False


def test_context_limits_and_prices():
    assert catalog.context_limit(ModelChoice("openai", "gpt-4o-mini")) == 128_000
    assert catalog.context_limit(ModelChoice("ollama", "ollama/llama3.2:latest")) == 131_072
    assert catalog.context_limit(ModelChoice("google", "gemini/unknown")) is None
    assert catalog.context_limit(ModelChoice("local", "alchemy-local")) > 0
    assert catalog.context_limit(ModelChoice("local", "anything")) == 8_192
    for model_id in catalog.DEFAULT_MODELS.values():
        assert catalog.price_for(model_id) is not None
    assert catalog.price_for("alchemy-local") == (0.0, 0.0)
    assert catalog.price_for("gpt-4o-mini") == (0.15, 0.60)
    assert catalog.price_for("nope") is None
    assert catalog.price_for("gpt-4o-mini", {"gpt-4o-mini": (1.0, 2.0)}) == (1.0, 2.0)


def test_import_does_not_load_provider_sdks():
    code = "import alchemy_kit.models.providers"
    assert loaded_by(code, ["openai", "anthropic", "ollama"]) == []


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "transient"),
        (ConnectionError("Failed to connect to Ollama"), "refused"),  # not retried
        (ConnectionError("Connection reset by peer"), "transient"),
        (llm.ModelError("The model is overloaded. Please try again later."), "transient"),
        (llm.ModelError("API key not valid. Please pass a valid API key."), "auth"),
        (llm.ModelError("Invalid JSON payload received."), "permanent"),
        (ValueError("nope"), "permanent"),
    ],
)
def test_classify_errors_without_http(exc, kind):
    assert failures.classify(exc)[0] == kind


def test_backoff_doubles_with_jitter_and_a_retry_after_header_wins():
    from types import SimpleNamespace

    from alchemy_kit.models.providers import _wait

    def state(n: int, exc: Exception) -> Any:
        outcome = SimpleNamespace(exception=lambda: exc)
        return SimpleNamespace(attempt_number=n, outcome=outcome)

    wait = _wait(0.5)
    for n, base in ((1, 0.5), (2, 1.0), (3, 2.0)):
        assert all(base <= wait(state(n, TimeoutError())) <= base * 1.5 for _ in range(20))
    limited = TimeoutError()
    limited.response = SimpleNamespace(headers={"retry-after": "7"})  # type: ignore[attr-defined]
    assert wait(state(1, limited)) == 7.0
    limited.response.headers["retry-after"] = "3600"  # type: ignore[attr-defined]
    assert wait(state(1, limited)) == 30.0  # capped


@pytest.mark.parametrize("wire", ["openai", "ollama"], indirect=True)
async def test_a_refused_connection_is_not_retried(wire):
    import httpx

    choice, mock = wire
    mock.add_exception(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ProviderError) as info:
        await acomplete(choice, "hi", retries=3, backoff=0)
    assert not isinstance(info.value, TransientProviderError)
    assert len(mock.get_requests()) == 1  # one attempt: nothing listens there
