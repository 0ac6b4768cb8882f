"""Pipeline: the offline run end to end, row by row; failures, bad input, chaining, batch."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import llm
import pytest

from alchemy_kit import records as r
from alchemy_kit.engine.batch import read_items, run_batch
from alchemy_kit.engine.pipeline import agenerate, generate
from alchemy_kit.errors import ProviderError, ValidationError
from alchemy_kit.notebook import views
from alchemy_kit.store import Store, open_store

IDEA = "Write a Python function that deduplicates customer records from a CSV export"


class FakeOptions(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


class FakeAsync(llm.AsyncModel):
    """A fake model: sleeps, then answers; fails every call after `fail_after` calls."""

    model_id = "fake-async"
    delay = 0.0
    fail_after: int | None = None
    calls = 0
    in_flight = 0
    max_in_flight = 0
    seen: ClassVar[list[str]] = []
    started: ClassVar[asyncio.Event | None] = None
    Options = FakeOptions

    async def execute(
        self, prompt: Any, stream: bool, response: Any, conversation: Any
    ) -> AsyncIterator[str]:
        FakeAsync.calls += 1
        FakeAsync.seen.append(prompt.prompt)
        n = FakeAsync.calls
        if FakeAsync.fail_after is not None and n > FakeAsync.fail_after:
            raise llm.ModelError("HTTP 400 bad request: the fake model refuses")
        FakeAsync.in_flight += 1
        FakeAsync.max_in_flight = max(FakeAsync.max_in_flight, FakeAsync.in_flight)
        if FakeAsync.started is not None:
            FakeAsync.started.set()
        try:
            await asyncio.sleep(FakeAsync.delay)
        finally:
            FakeAsync.in_flight -= 1
        response.set_usage(input=len(prompt.prompt.split()), output=12)
        yield f"Refined #{n} (seed {prompt.options.seed}): {prompt.prompt[-60:]}"


class FakeSync(llm.Model):
    """The sync twin llm requires for registration; the pipeline always uses the async one."""

    model_id = "fake-async"
    Options = FakeOptions

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        raise AssertionError("the pipeline must call the async model")


class FakePlugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(FakeSync(), FakeAsync())


@pytest.fixture
def fake() -> Iterator[type[FakeAsync]]:
    FakeAsync.calls, FakeAsync.fail_after, FakeAsync.delay, FakeAsync.seen = 0, None, 0.0, []
    FakeAsync.in_flight = FakeAsync.max_in_flight = 0
    FakeAsync.started = None
    llm.pm.register(FakePlugin(), name="fake-async-plugin")
    try:
        yield FakeAsync
    finally:
        llm.pm.unregister(name="fake-async-plugin")


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


def test_offline_pipeline_end_to_end_row_by_row(store: Store) -> None:
    res = generate(
        IDEA,
        store=store,
        count=2,
        persona="code",
        tags=["dedupe", "csv"],
        seed=3,
        embed=False,
        progress=False,
    )
    assert res.ok and res.request.status == "completed"
    counts = store.counts()
    assert counts["prompt_requests"] == 1 and counts["request_phases"] == 3
    # time, tokens, cost and quality per prompt
    assert counts["prompts"] == 6 and counts["metrics"] == 24 and counts["tags"] == 12

    req = store.get_request(res.request.id)
    assert req.completed_at and req.created_at <= req.completed_at
    assert req.metadata["prompt_count"] == 6 and req.metadata["total_cost_usd"] == 0
    runs = store.phase_runs(req.id)
    assert [pr.phase for pr in runs] == ["prima-materia", "solutio", "coagulatio"]
    for a, b in itertools.pairwise(runs):
        assert a.completed_at and b.started_at and a.completed_at <= b.started_at
    for pr in runs:
        assert pr.status == "completed" and pr.started_at and pr.completed_at
        assert pr.started_at <= pr.completed_at and pr.provider == "local"
        assert pr.config["count"] == 2 and pr.config["persona"] == "code"

    prompts = store.list_prompts(request_id=req.id, limit=None)
    for p in prompts:
        assert p.request_id == req.id and p.provider == "local" and p.model == "alchemy-local"
        assert p.persona == "code" and p.temperature == 0.7 and p.max_tokens == 1024
        assert p.actual_tokens and p.actual_tokens <= 1024
        assert p.score is not None and p.rank in (1, 2)
        assert sorted(store.tags_for(p.id)) == ["csv", "dedupe"]
        kinds = {m.metric_type: m for m in store.metrics_for([p.id])}
        assert set(kinds) == {"time", "tokens", "cost", "quality"}
        tok = kinds["tokens"]
        assert tok.total_tokens == (tok.input_tokens or 0) + (tok.output_tokens or 0)
        assert kinds["cost"].cost_usd == 0 and kinds["time"].unit == "ms"
        assert p.content.strip() and p.content != IDEA
    # the prices table was seeded into configurations, editable
    assert "gpt-4o-mini" in store.get_config("prices")


def test_same_seed_reproducible_and_variants_distinct(store: Store) -> None:
    a = generate(IDEA, store=store, count=3, seed=11, embed=False, progress=False)
    b = generate(IDEA, store=store, count=3, seed=11, embed=False, progress=False)
    final_a = sorted(p.content for p in a.by_phase("coagulatio"))
    assert final_a == sorted(p.content for p in b.by_phase("coagulatio"))
    assert len(set(final_a)) == 3


def test_chain_per_variant_feeds_previous_outputs(store: Store, fake: type[FakeAsync]) -> None:
    res = generate(
        IDEA,
        store=store,
        count=2,
        provider="local",
        model="fake-async",
        phases=["prima-materia", "solutio"],
        embed=False,
        progress=False,
    )
    assert res.ok
    firsts = {p.metadata["variant"]: p.content for p in res.by_phase("prima-materia")}
    assert len(set(firsts.values())) == 2
    solutio_inputs = fake.seen[2:]  # calls 3 and 4 were solutio's
    # each solutio variant was asked to refine its own prima-materia twin, and only that one
    for text in solutio_inputs:
        assert sum(first in text for first in firsts.values()) == 1
    assert {next(v for v, f in firsts.items() if f in t) for t in solutio_inputs} == {0, 1}


def test_failed_phase_keeps_earlier_prompts(store: Store, fake: type[FakeAsync]) -> None:
    fake.fail_after = 2  # prima-materia's two calls succeed, solutio's fail
    res = generate(
        IDEA,
        store=store,
        count=2,
        provider="local",
        model="fake-async",
        retries=0,
        embed=False,
        progress=False,
    )
    assert not res.ok and res.error
    req = store.get_request(res.request.id)
    assert req.status == "failed" and req.completed_at and "failed" in req.metadata["error"]
    runs = {pr.phase: pr for pr in store.phase_runs(req.id)}
    assert runs["prima-materia"].status == "completed"
    assert runs["solutio"].status == "failed" and "refuses" in (runs["solutio"].error_message or "")
    assert runs["coagulatio"].status == "failed"
    assert "not run" in (runs["coagulatio"].error_message or "")
    kept = store.list_prompts(request_id=req.id, limit=None)
    assert len(kept) == 2 and {p.phase for p in kept} == {"prima-materia"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"idea": ""}, "empty"),
        ({"idea": "   \n\t"}, "empty"),
        ({"idea": "word " * 40000}, "too long"),
        ({"count": 0}, "count"),
        ({"count": 1000}, "count"),
        ({"persona": "poet"}, "persona"),
        ({"phases": ["nigredo"]}, "phase"),
        ({"provider": "cohere"}, "provider"),
        ({"model": "no-such-model-xyz"}, "unknown model"),
        ({"temperature": 3.0}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"provider": "anthropic", "temperature": 1.5}, "temperature"),
        ({"provider": "openai"}, "OPENAI_API_KEY"),
    ],
)
def test_bad_input_is_refused_before_any_row(
    store: Store, kwargs: dict[str, Any], match: str
) -> None:
    args = {"idea": IDEA} | kwargs
    idea = args.pop("idea")
    with pytest.raises(ValidationError if "API_KEY" not in match else ProviderError, match=match):
        generate(idea, store=store, embed=False, progress=False, **args)
    assert store.counts()["prompt_requests"] == 0 and store.counts()["request_phases"] == 0


async def test_agenerate_inside_running_loop_and_concurrency(
    store: Store, fake: type[FakeAsync]
) -> None:
    fake.delay = 0.05
    res = await agenerate(
        IDEA,
        store=store,
        count=4,
        provider="local",
        model="fake-async",
        embed=False,
        progress=False,
    )
    assert res.ok and len(res.prompts) == 12
    # variants of a phase overlap (all 4 in flight at once); phases never do
    assert fake.max_in_flight == 4
    # and the sync wrapper also works from inside a running loop (as in Jupyter)
    res2 = generate(IDEA, store=store, count=1, embed=False, progress=False)
    assert res2.ok


def test_best_of_previous_chain(store: Store) -> None:
    res = generate(
        IDEA, store=store, count=3, chain="best-of-previous", seed=5, embed=False, progress=False
    )
    assert res.ok and res.request.metadata["chain"] == "best-of-previous"
    assert all(p.rank is not None for p in res.prompts)
    assert res.best is not None and res.best.rank == 1 and res.best.phase == "coagulatio"
    html = views.generation_html(res)
    assert "<table" in html and "coagulatio" in html


def test_batch_resumes_without_redoing(store: Store, tmp_path: Path, fake: type[FakeAsync]) -> None:
    path = tmp_path / "ideas.jsonl"
    ideas = [{"idea": f"Idea number {i}: summarise report {i}", "tags": ["b"]} for i in range(5)]
    path.write_text("\n".join(json.dumps(i) for i in ideas))
    fake.fail_after = 3 * 2 * 2  # enough for two requests (3 phases × count 2), then failures
    opts: dict[str, Any] = dict(
        count=2, provider="local", model="fake-async", embed=False, progress=False
    )
    first = run_batch(store, path, concurrency=1, retries=0, **opts)
    assert first.completed == 2 and first.failed == 3
    fake.fail_after = None
    second = run_batch(store, path, concurrency=2, **opts)
    assert second.skipped == 2 and second.completed == 3 and second.failed == 0
    third = run_batch(store, path, concurrency=2, **opts)
    assert third.skipped == 5 and third.completed == 0
    done = store.list_requests(status="completed", limit=None)
    assert len(done) == 5


def test_batch_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"idea": "ok"}\n{not json}\n')
    ok, broken = read_items(bad)
    assert ok.error is None and broken.line == 2 and "not valid JSON" in (broken.error or "")
    bad.write_text('{"idae": "typo"}\n')
    (typo,) = read_items(bad)
    assert "unknown field" in (typo.error or "")
    bad.write_text("\n\n")
    with pytest.raises(ValidationError, match="no ideas"):
        read_items(bad)
    csv_path = tmp_path / "b.csv"
    csv_path.write_text("idea,count,tags\nSummarise a paper,2,a;b\n")
    items = read_items(csv_path)
    assert items[0].options == {"idea": "Summarise a paper", "count": 2, "tags": ["a", "b"]}


def test_generation_result_summary(store: Store) -> None:
    res = generate(IDEA, store=store, count=1, phases=["coagulatio"], embed=False, progress=False)
    rows = res.summary_rows()
    assert len(rows) == 1 and rows[0]["phase"] == "coagulatio" and rows[0]["cost_usd"] == 0
    df = res.to_dataframe()
    assert list(df["phase"]) == ["coagulatio"]
    assert isinstance(res.prompts[0], r.Prompt)


OPENAI_URL = "https://api.openai.com/v1/chat/completions"


def test_real_openai_plugin_phase_failure_keeps_earlier_prompts(
    store: Store, httpx2_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through llm's real OpenAI plugin (mocked HTTP): prima-materia succeeds, solutio gets a 401."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-123456")
    ok = {
        "choices": [{"message": {"content": "A structured draft of the idea."}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39},
        "model": "gpt-4o-mini-2024-07-18",
    }
    httpx2_mock.add_response(url=OPENAI_URL, json=ok)
    httpx2_mock.add_response(
        url=OPENAI_URL,
        status_code=401,
        json={"error": {"message": "Incorrect API key provided: sk-test-not-a-real-key-123456"}},
    )
    res = generate(
        IDEA,
        store=store,
        count=1,
        provider="openai",
        temperature=0.2,
        max_tokens=50,
        seed=1,
        embed=False,
        progress=False,
    )
    assert not res.ok
    sent = [json.loads(r.content) for r in httpx2_mock.get_requests()]
    assert len(sent) == 2  # the 401 was not retried
    assert sent[0]["temperature"] == 0.2 and sent[0]["max_tokens"] == 50
    runs = {pr.phase: pr for pr in store.phase_runs(res.request.id)}
    assert runs["prima-materia"].status == "completed" and runs["solutio"].status == "failed"
    assert "rejected the API key" in (runs["solutio"].error_message or "")
    stored = store.list_prompts(request_id=res.request.id, limit=None)
    assert [p.phase for p in stored] == ["prima-materia"]
    # llm 0.36's OpenAI plugin sets no resolved_model, so the model id is what gets recorded
    assert stored[0].provider == "openai" and stored[0].model == "gpt-4o-mini"
    tokens = next(m for m in store.metrics_for([stored[0].id]) if m.metric_type == "tokens")
    assert (tokens.input_tokens, tokens.output_tokens) == (30, 9)
    cost = next(m for m in store.metrics_for([stored[0].id]) if m.metric_type == "cost")
    assert cost.value > 0
    # the key never reaches the database
    dump = json.dumps(store.query("SELECT * FROM request_phases")) + json.dumps(
        store.query("SELECT metadata FROM prompts")
    )
    assert "sk-test-not-a-real-key" not in dump


async def test_cancelled_request_is_recorded_as_failed(store: Store, fake: type[FakeAsync]) -> None:
    fake.delay = 5.0
    fake.started = asyncio.Event()
    task = asyncio.create_task(
        agenerate(
            IDEA,
            store=store,
            count=2,
            provider="local",
            model="fake-async",
            embed=False,
            progress=False,
        )
    )
    await asyncio.wait_for(fake.started.wait(), 10)  # a model call is in flight: cancel it now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    req = store.list_requests(limit=1)[0]
    assert req.status == "failed" and req.completed_at and req.metadata["error"] == "interrupted"
    runs = store.phase_runs(req.id)
    assert [pr.status for pr in runs] == ["failed"] * 3
    assert all(pr.error_message == "interrupted" for pr in runs)


def test_per_phase_defaults_from_configurations(store: Store, fake: type[FakeAsync]) -> None:
    store.set_config("phases.solutio", {"provider": "local", "model": "fake-async"})
    res = generate(IDEA, store=store, count=1, seed=2, embed=False, progress=False)
    assert res.ok
    models = {pr.phase: pr.model for pr in store.phase_runs(res.request.id)}
    assert models == {
        "prima-materia": "alchemy-local",
        "solutio": "fake-async",
        "coagulatio": "alchemy-local",
    }
    # an explicit model on the call overrides the configured per-phase default
    res2 = generate(IDEA, store=store, count=1, model="alchemy-local", embed=False, progress=False)
    assert {pr.model for pr in store.phase_runs(res2.request.id)} == {"alchemy-local"}


def test_phase_models_give_each_phase_its_own_model(store: Store, fake: type[FakeAsync]) -> None:
    res = generate(
        IDEA,
        store=store,
        count=1,
        seed=3,
        embed=False,
        progress=False,
        phase_models={"solutio": ("local", "fake-async")},
    )
    assert res.ok
    models = {pr.phase: pr.model for pr in store.phase_runs(res.request.id)}
    assert models == {
        "prima-materia": "alchemy-local",
        "solutio": "fake-async",
        "coagulatio": "alchemy-local",
    }
    # An unusable model for one phase is refused before anything is written.
    before = store.counts()
    with pytest.raises(ProviderError):
        generate(IDEA, store=store, count=1, phase_models={"coagulatio": ("openai", "gpt-4o-mini")})
    assert store.counts() == before


def test_on_progress_reports_each_phase_s_variants(store: Store) -> None:
    seen: list[tuple[str, int, int]] = []
    res = generate(
        IDEA,
        store=store,
        count=3,
        seed=4,
        embed=False,
        progress=False,
        on_progress=lambda *a: seen.append(a),
    )
    assert res.ok
    for phase in ("prima-materia", "solutio", "coagulatio"):
        assert [(done, total) for p, done, total in seen if p == phase] == [
            (0, 3),
            (1, 3),
            (2, 3),
            (3, 3),
        ]
    assert [p for p, done, _ in seen if done == 0] == ["prima-materia", "solutio", "coagulatio"]


def test_the_request_row_records_the_options_the_calls_used(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model's own defaults (SmolLM2's 0.2 / 512) are what its request records, not 0.7 / 1024."""
    from alchemy_kit.models import catalog

    monkeypatch.setitem(
        catalog.MODEL_DEFAULTS, "alchemy-local", {"temperature": 0.2, "max_tokens": 512}
    )
    res = generate(IDEA, store=store, count=1, seed=4, embed=False, progress=False)
    req = store.get_request(res.request.id)
    assert (req.temperature, req.max_tokens) == (0.2, 512)
    configs = [pr.config for pr in store.phase_runs(res.request.id)]
    assert {(c["temperature"], c["max_tokens"]) for c in configs} == {(0.2, 512)}
    # The call's own options win, and are recorded as such.
    res = generate(
        IDEA, store=store, count=1, temperature=0.9, max_tokens=64, embed=False, progress=False
    )
    req = store.get_request(res.request.id)
    assert (req.temperature, req.max_tokens) == (0.9, 64)
