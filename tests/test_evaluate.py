"""Tests for alchemy_kit.engine.evaluate and eval_results: runs, grades, resume, replay, bad input."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import llm
import pytest
from eval_fakes import Scripted, echo_upper, registered
from slow_cli import SlowAsync, SlowPlugin

from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.engine import eval_results as er
from alchemy_kit.engine.eval_plan import replay_model
from alchemy_kit.engine.evaluate import evaluate
from alchemy_kit.errors import ReplayMissError, UnknownModelError, ValidationError
from alchemy_kit.models.catalog import ModelChoice
from alchemy_kit.store import Store, open_store


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def request_with_cases(store: Store) -> dict:
    req = r.Request(input="Describe weather for a child", phases=["coagulatio"])
    loud = r.Prompt("Shout the weather back.", "coagulatio", "local", "m", request_id=req.id)
    quiet = r.Prompt("Whisper about {{topic}}.", "coagulatio", "local", "m", request_id=req.id)
    cases = [
        ev.Case(
            req.id,
            "rain",
            vars={"topic": "rain"},
            assertions=[{"type": "contains", "value": "RAIN"}],
        ),
        ev.Case(
            req.id,
            "sun",
            vars={"topic": "sun"},
            assertions=[{"type": "icontains", "value": "shout"}],
        ),
        ev.Case(
            req.id, "fog", vars={"topic": "fog"}, assertions=[{"type": "max-words", "value": 3}]
        ),
    ]
    store.add([req], [loud, quiet])
    store.add_cases(cases)
    return {"request": req, "prompts": [loud, quiet], "cases": cases}


@pytest.fixture
def fake() -> Iterator[Scripted]:
    model = Scripted("fake-echo", echo_upper)
    with registered(model):
        yield model


def test_run_grades_every_output_and_writes_metrics(
    store: Store, request_with_cases: dict, fake: Scripted
) -> None:
    seen: list[tuple[int, int]] = []
    res = evaluate(
        store,
        request=request_with_cases["request"].id,
        models=["fake-echo"],
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert (res.total, res.ran, res.skipped, res.failed, res.resumed) == (6, 6, 0, 0, False)
    assert fake.calls == 6 and seen[0] == (0, 6) and seen[-1] == (6, 6)
    # the prompt without placeholders went as the system message, the vars as the user message
    assert ("Shout the weather back.", "rain") in fake.seen
    assert (None, "Whisper about rain.") in fake.seen
    outs = store.outputs_of(res.run_id)
    assert len(outs) == 6 and all(o.text and o.error is None and o.latency_ms >= 0 for o in outs)
    by = {(o.prompt_id, store.get_case(o.case_id).name): o for o in outs}
    loud, quiet = (p.id for p in request_with_cases["prompts"])
    assert by[(loud, "rain")].passed is True and by[(loud, "sun")].passed is True
    assert by[(quiet, "sun")].passed is False  # "none: WHISPER ABOUT SUN." has no "shout"
    assert by[(quiet, "fog")].passed is False and by[(loud, "fog")].passed is True
    grades = store._eval_quality(res.run_id)
    assert len(grades) == 6
    d = grades[0].details
    assert {d["source"], d["run"]} == {"eval", res.run_id} and {
        "case",
        "grader",
        "passed",
        "reason",
        "output",
    } <= set(d)
    kinds = [
        m.metric_type for m in store.metrics_for([loud, quiet]) if m.details.get("source") == "eval"
    ]
    assert kinds.count("cost") == kinds.count("time") == kinds.count("tokens") == 6
    run = store.get_eval_run(res.run_id)
    assert (
        run.status == "completed"
        and run.completed_at
        and sorted(run.prompt_ids) == sorted([loud, quiet])
    )


def test_summary_matrix_cell_and_compare(
    store: Store, request_with_cases: dict, fake: Scripted
) -> None:
    res = evaluate(store, request=request_with_cases["request"].id, models=["fake-echo"])
    loud, quiet = (p.id for p in request_with_cases["prompts"])
    rows = {s.prompt_id: s for s in er.summary(store, res.run_id)}
    assert (rows[loud].passed, rows[loud].graded, rows[loud].pass_rate) == (3, 3, 1.0)
    assert (
        rows[quiet].passed == 1
        and rows[quiet].low is not None
        and rows[quiet].low < 1 / 3 < rows[quiet].high
    )
    m = er.matrix(store, res.run_id)
    assert len(m.rows) == 2 and len(m.cases) == 3
    rain = request_with_cases["cases"][0].id
    got = m.get(quiet, "fake-echo", rain)
    assert got is not None and got.passed is True
    detail = er.cell(store, got.output_id)
    assert detail.case.vars == {"topic": "rain"} and detail.prompt == "Whisper about {{topic}}."
    assert detail.messages == [{"role": "user", "content": "Whisper about rain."}]
    assert detail.grades[0]["grader"] == "contains" and detail.grades[0]["reason"]
    verdict = er.compare(store, res.run_id, loud, quiet)
    assert verdict.n == 3 and verdict.a_wins == 2 and not verdict.enough
    assert "not enough cases" in verdict.summary


def test_failed_call_is_stored_and_a_resume_retries_only_it(
    store: Store, request_with_cases: dict
) -> None:
    broken = {"on": True}

    def flaky(system: str | None, prompt: str) -> str:
        if broken["on"] and "fog" in prompt:
            raise RuntimeError("the fog server is down")
        return echo_upper(system, prompt)

    model = Scripted("fake-flaky", flaky)
    with registered(model):
        first = evaluate(
            store, request=request_with_cases["request"].id, models=["fake-flaky"], retries=0
        )
        assert (first.ran, first.failed) == (6, 2)
        failed = [o for o in store.outputs_of(first.run_id) if o.error]
        assert len(failed) == 2 and all(
            "fog server is down" in o.error and o.text is None for o in failed
        )
        assert all(o.passed is None and o.score is None for o in failed)
        assert store.get_eval_run(first.run_id).status == "completed"  # never aborts the run
        broken["on"] = False
        calls = model.calls
        again = evaluate(store, request=request_with_cases["request"].id, models=["fake-flaky"])
    assert again.run_id == first.run_id and again.resumed
    assert (again.ran, again.skipped, again.failed, model.calls - calls) == (2, 4, 0, 2)
    outs = store.outputs_of(first.run_id)
    assert len(outs) == 6 and not any(o.error for o in outs)


def test_resume_takes_in_new_cases_and_again_starts_anew(
    store: Store, request_with_cases: dict, fake: Scripted
) -> None:
    req = request_with_cases["request"]
    first = evaluate(store, request=req.id, models=["fake-echo"])
    store.add_cases([ev.Case(req.id, "snow", vars={"topic": "snow"})])
    resumed = evaluate(store, request=req.id, models=["fake-echo"])
    assert resumed.run_id == first.run_id and (resumed.ran, resumed.skipped) == (2, 6)
    assert len(store.get_eval_run(first.run_id).case_ids) == 4
    ungraded = [
        o for o in store.outputs_of(first.run_id) if store.get_case(o.case_id).name == "snow"
    ]
    assert all(o.passed is None for o in ungraded)  # no assertion: not graded, never a pass
    anew = evaluate(store, request=req.id, models=["fake-echo"], again=True)
    assert anew.run_id != first.run_id and anew.ran == 8 and fake.calls == 16


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "match"),
    [
        ("missing var", {}, ValidationError, r"no value for \{\{topic\}\}"),
        ("unknown grader", {}, ValidationError, "unknown assertion type"),
        ("bad regex", {}, ValidationError, "invalid regular expression"),
        ("bad schema", {}, ValidationError, "invalid JSON Schema"),
        (None, {"models": ["no-such-model"]}, UnknownModelError, "no-such-model"),
        (None, {"phase": "solutio"}, ValidationError, "has no prompts in phase solutio"),
        (None, {"tag": "nothing"}, ValidationError, "has no cases tagged"),
        (None, {"concurrency": 0}, ValidationError, "concurrency"),
        (None, {"similar": 3}, ValidationError, "similarity"),
    ],
)
def test_bad_input_is_one_line_before_any_call(
    store: Store,
    request_with_cases: dict,
    fake: Scripted,
    change: str | None,
    kwargs: dict,
    error: type,
    match: str,
) -> None:
    req = request_with_cases["request"]
    bad = {
        "missing var": ({"other": "x"}, []),
        "unknown grader": ({"topic": "x"}, [{"type": "sentiment"}]),
        "bad regex": ({"topic": "x"}, [{"type": "regex", "value": "(oops"}]),
        "bad schema": ({"topic": "x"}, [{"type": "is-json", "value": {"type": 12}}]),
    }
    if change:
        vars_, asserts = bad[change]
        # written directly, as another tool (or an older version) could: the run checks it again
        store.add_cases([ev.Case(req.id, "bad one", vars=vars_, assertions=asserts)])
    with pytest.raises(error, match=match) as info:
        evaluate(store, request=req.id, **({"models": ["fake-echo"]} | kwargs))
    assert "\n" not in str(info.value)
    assert fake.calls == 0 and store.eval_runs() == []


def test_no_prompts_and_no_cases_are_refused(store: Store, fake: Scripted) -> None:
    empty = r.Request(input="nothing generated yet", phases=["coagulatio"])
    store.add([empty])
    with pytest.raises(ValidationError, match="has no prompts"):
        evaluate(store, request=empty.id, models=["fake-echo"])
    store.add([r.Prompt("p", "coagulatio", "local", "m", request_id=empty.id)])
    with pytest.raises(ValidationError, match="has no cases"):
        evaluate(store, request=empty.id, models=["fake-echo"])


def test_replay_again_reruns_a_run_from_the_recording(
    store: Store, request_with_cases: dict, fake: Scripted
) -> None:
    req = request_with_cases["request"]
    first = evaluate(store, request=req.id, models=["fake-echo"])
    assert store.counts()["model_calls"] == 6
    keys = {o.call_key for o in store.outputs_of(first.run_id)}
    assert None not in keys and len(keys) == 6
    replayed = evaluate(store, request=req.id, models=["fake-echo"], replay=True, again=True)
    assert fake.calls == 6 and replayed.mode == "replay" and replayed.ran == 6
    a = {(o.prompt_id, o.case_id): (o.text, o.passed) for o in store.outputs_of(first.run_id)}
    b = {(o.prompt_id, o.case_id): (o.text, o.passed) for o in store.outputs_of(replayed.run_id)}
    assert a == b
    store.add_cases([ev.Case(req.id, "hail", vars={"topic": "hail"})])
    with pytest.raises(
        ReplayMissError, match="no recording of the eval call to local/fake-echo"
    ) as info:
        evaluate(store, request=req.id, models=["fake-echo"], replay=True, again=True)
    assert "'hail'" in str(info.value) and fake.calls == 6


def test_replay_needs_no_installed_model(store: Store, request_with_cases: dict) -> None:
    # A notebook that replays a committed recording runs where the recorded model is not installed.
    req = request_with_cases["request"]
    model = Scripted("fake-gone", echo_upper)
    with registered(model):
        first = evaluate(store, request=req.id, models=["fake-gone"])
    assert store._recorded_providers("fake-gone") == ["local"]
    assert replay_model(store, ("local", "fake-gone")) == ModelChoice("local", "fake-gone")
    with pytest.raises(UnknownModelError):
        replay_model(store, ("openai", "fake-gone"))  # recorded under another provider
    with pytest.raises(UnknownModelError, match="unknown model 'fake-gone'"):
        evaluate(store, request=req.id, models=["fake-gone"], again=True)  # not a replay
    replayed = evaluate(store, request=req.id, models=["fake-gone"], replay=True, again=True)
    assert replayed.ran == 6 and replayed.run.models == first.run.models and model.calls == 6
    with pytest.raises(UnknownModelError, match="unknown model 'never-recorded'"):
        evaluate(store, request=req.id, models=["never-recorded"], replay=True)


def test_offline_template_model_answers_eval_calls(store: Store, request_with_cases: dict) -> None:
    res = evaluate(store, request=request_with_cases["request"].id)
    assert res.run.models == [{"provider": "local", "model": "alchemy-local"}]
    assert res.failed == 0 and store.counts()["model_calls"] == 0  # never recorded


# -- kill -9 mid-run, then resume ---------------------------------------------------------------------
SLOW_CLI = Path(__file__).with_name("slow_cli.py")


def _raw(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_kill_9_mid_run_then_resume_leaves_every_output_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    with open_store(db) as store:
        req = r.Request(input="weather", phases=["coagulatio"])
        prompts = [
            r.Prompt(f"Variant {i}.", "coagulatio", "local", "m", request_id=req.id)
            for i in range(2)
        ]
        store.add([req], prompts)
        store.add_cases([ev.Case(req.id, f"case {i}", vars={"q": f"day {i}"}) for i in range(12)])
    args = ["eval", "-r", req.id, "-m", "slow-fake", "-c", "2", "-d", str(db), "--json"]
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), "0.2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    err: list[bytes] = []
    reader = threading.Thread(
        target=lambda: err.extend(iter(proc.stderr.readline, b"")), daemon=True
    )  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + 90
    # Wait until at least one batch is committed and more calls are in flight, then kill -9.
    while (
        not _raw(db, "SELECT count(*) FROM outputs")[0][0] or sum(b"answered" in x for x in err) < 4
    ):
        assert proc.poll() is None, b"".join(err).decode()[-2000:]
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _raw(db, "SELECT count(*) FROM outputs")[0][0]
    assert 0 < before < 24
    SlowAsync.delay = 0.01
    llm.pm.register(SlowPlugin(), name="slow-fake-plugin")
    try:
        with open_store(db) as store:
            res = evaluate(store, request=req.id, models=["slow-fake"], concurrency=4)
    finally:
        llm.pm.unregister(name="slow-fake-plugin")
    assert res.resumed and res.ran == 24 - before and res.failed == 0
    per_unit = _raw(db, "SELECT prompt_id, case_id, model, count(*) FROM outputs GROUP BY 1, 2, 3")
    assert len(per_unit) == 24 and {row[3] for row in per_unit} == {1}
    assert _raw(
        db,
        "SELECT count(DISTINCT run_id), min(status) FROM outputs JOIN eval_runs r ON r.id = run_id",
    ) == [(1, "completed")]
    grades = _raw(
        db,
        "SELECT count(*) FROM metrics WHERE metric_type = 'time' AND json_extract(details, '$.source') = 'eval'",
    )
    assert grades == [(24,)]  # each output's metrics exactly once too


def test_grades_and_the_scores_they_give_land_together(
    store: Store, request_with_cases: dict, fake: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies after its grades are stored leaves no score derived without them."""
    from alchemy_kit.scoring.rank import rescore

    real = Store._update_eval_run

    def dies_on_completion(self: Store, run_id: str, **fields: object) -> None:
        if fields.get("status") == "completed":
            raise KeyboardInterrupt
        real(self, run_id, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_update_eval_run", dies_on_completion)
    with pytest.raises(KeyboardInterrupt):
        evaluate(store, request=request_with_cases["request"].id, models=["fake-echo"])
    monkeypatch.undo()
    ids = [p.id for p in request_with_cases["prompts"]]
    assert len(store._eval_evidence(ids)) == 2  # the grades landed
    stored = {p.id: p.score for p in store.list_prompts(limit=None)}
    assert rescore(store, ids) == {i: stored[i] for i in ids}  # and the scores follow them


def test_a_second_runner_of_a_live_run_is_refused_and_a_dead_owners_run_resumes(
    store: Store, request_with_cases: dict, fake: Scripted
) -> None:
    """Two `alchemy eval` of one selection at once would pay for every call twice (18.5)."""
    from alchemy_kit.store.recovery import reclaim, this_process

    rid = request_with_cases["request"].id
    first = evaluate(store, request=rid, models=["fake-echo"])
    run = store.get_eval_run(first.run_id)
    live = run.options | {"owner": this_process()}  # this very process: alive
    store._update_eval_run(run.id, status="running", options=live)
    with pytest.raises(ValidationError, match="running now"):
        evaluate(store, request=rid, models=["fake-echo"])
    assert not reclaim(store).eval_runs  # a live owner's run is left alone
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = live | {"owner": live["owner"] | {"pid": dead.pid}}
    store._update_eval_run(run.id, options=gone)
    assert list(reclaim(store).eval_runs) == [run.id]
    assert store.get_eval_run(run.id).status == "failed"
    again = evaluate(store, request=rid, models=["fake-echo"])
    assert again.run_id == run.id and again.resumed and again.ran == 0
