"""Tests for alchemy_kit.engine.cases and suggest: promptfoo files import as they are, per-line reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import Scripted, registered

from alchemy_kit import records as r
from alchemy_kit.engine.cases import add_case, expected_assertion, import_cases
from alchemy_kit.engine.suggest import suggest_cases
from alchemy_kit.errors import ValidationError
from alchemy_kit.store import Store, open_store

PROMPTFOO_JSONL = [
    {
        "description": "tin roof",
        "vars": {"topic": "rain on a tin roof"},
        "assert": [{"type": "icontains", "value": "rain"}],
    },
    {
        "vars": {"topic": "fog"},
        "assert": [
            {"type": "not-contains", "value": "sun"},
            {"type": "llm-rubric", "value": "is a haiku"},
        ],
    },
    {
        "vars": {"topic": "snow"},
        "options": {"provider": "x"},
        "metadata": {"owner": "ana"},
        "threshold": 0.5,
    },
    {"vars": {"topic": "hail"}, "assert": [{"type": "javascript", "value": "output.length < 50"}]},
    {"vars": {"topic": "sleet"}, "asert": []},
    {
        "name": "schema",
        "vars": {"topic": "wind"},
        "reference": "Wind howls.",
        "tags": ["edge"],
        "assert": [{"type": "is-json", "value": {"type": "object", "required": ["poem"]}}],
    },
]


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def request_id(store: Store) -> str:
    req = r.Request(
        input="Write a haiku about {{topic}} weather, in at most 20 words", phases=["coagulatio"]
    )
    store.add(
        [req],
        [r.Prompt("Write a haiku about {{topic}}.", "coagulatio", "local", "m", request_id=req.id)],
    )
    return req.id


def _jsonl(tmp_path: Path, items: list, extra: str = "") -> Path:
    path = tmp_path / "tests.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items) + extra, encoding="utf-8")
    return path


def test_a_promptfoo_jsonl_suite_imports_with_a_per_line_report(
    store: Store, request_id: str, tmp_path: Path
) -> None:
    path = _jsonl(tmp_path, PROMPTFOO_JSONL, "{not json\n\n[1, 2]\n")
    rep = import_cases(store, path, request_id)
    assert (rep.total, rep.added, rep.skipped, rep.failed) == (8, 4, 0, 4)
    errors = {f["line"]: f["error"] for f in rep.failures}
    assert "runs code" in errors[4] and "unknown field(s) asert" in errors[5]
    assert "not valid JSON" in errors[7] and "expected a JSON object" in errors[9]
    cases = {c.name: c for c in store.cases_for(request_id)}
    assert set(cases) >= {"tin roof", "schema"}
    assert cases["tin roof"].assertions == [{"type": "icontains", "value": "rain"}]
    assert cases["tin roof"].source == "import" and cases["tin roof"].metadata["line"] == 1
    assert cases["schema"].reference == "Wind howls." and cases["schema"].tags == ["edge"]
    snow = next(c for c in cases.values() if c.vars == {"topic": "snow"})
    assert snow.metadata["promptfoo"]["metadata"] == {"owner": "ana"}  # kept, not lost
    assert snow.name.startswith("snow [")  # a stable name made from the vars
    again = import_cases(store, path, request_id)
    assert (again.added, again.skipped, again.failed) == (0, 4, 4)  # nothing added twice
    assert len(store.cases_for(request_id)) == 4


def test_a_clashing_name_is_reported_not_overwritten(
    store: Store, request_id: str, tmp_path: Path
) -> None:
    import_cases(store, _jsonl(tmp_path, [{"name": "a", "vars": {"topic": "x"}}]), request_id)
    rep = import_cases(store, _jsonl(tmp_path, [{"name": "a", "vars": {"topic": "y"}}]), request_id)
    assert rep.failed == 1 and "different case named 'a'" in rep.failures[0]["error"]
    assert store.cases_for(request_id)[0].vars == {"topic": "x"}


def test_promptfoo_csv_layout(store: Store, request_id: str, tmp_path: Path) -> None:
    path = tmp_path / "tests.csv"
    path.write_text(
        "topic,__expected,__expected2,__description,__tags\n"
        'rain,contains: rain,max-words: 20,wet,"edge, short"\n'
        "sun,grade: is cheerful,similar(0.8): A sunny day,,\n"
        "fog,Exactly this,not-icontains: sun,,\n"
        "hail,javascript: output.length < 9,,,\n",
        encoding="utf-8",
    )
    rep = import_cases(store, path, request_id)
    assert (rep.added, rep.failed) == (3, 1) and rep.failures[0]["line"] == 5
    cases = {c.vars["topic"]: c for c in store.cases_for(request_id)}
    assert cases["rain"].name == "wet" and cases["rain"].tags == ["edge", "short"]
    assert cases["rain"].assertions == [
        {"type": "contains", "value": "rain"},
        {"type": "max-words", "value": 20},
    ]
    assert cases["sun"].assertions == [
        {"type": "llm-rubric", "value": "is cheerful"},
        {"type": "similar", "value": "A sunny day", "threshold": 0.8},
    ]
    assert cases["fog"].assertions[0] == {"type": "equals", "value": "Exactly this"}


def test_json_files_and_unreadable_files(store: Store, request_id: str, tmp_path: Path) -> None:
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"tests": PROMPTFOO_JSONL[:2]}))
    assert import_cases(store, path, request_id).added == 2
    bad = tmp_path / "suite.yaml"
    bad.write_text("tests: []")
    with pytest.raises(ValidationError, match=r"\.jsonl, \.json or \.csv"):
        import_cases(store, bad, request_id)
    with pytest.raises(ValidationError, match="not found"):
        import_cases(store, tmp_path / "missing.jsonl", request_id)


def test_add_case_checks_like_an_import(store: Store, request_id: str) -> None:
    case = add_case(
        store,
        request_id,
        {"topic": "rain"},
        name="one",
        assertions=[{"type": "icontains", "value": "rain"}],
        source="workbench",
    )
    assert case.source == "workbench" and store.get_case(case.id).vars == {"topic": "rain"}
    with pytest.raises(ValidationError, match="already has a case named"):
        add_case(store, request_id, {"topic": "x"}, name="one")
    with pytest.raises(ValidationError, match="invalid regular expression"):
        add_case(store, request_id, {"topic": "x"}, assertions=[{"type": "regex", "value": "("}])
    with pytest.raises(ValidationError, match="NUL"):
        add_case(store, request_id, {"topic": "a\x00b"})


def test_offline_suggestions_are_varied_deterministic_and_say_so(
    store: Store, request_id: str
) -> None:
    got = suggest_cases(store, request_id, 6, seed=3)
    assert got.offline and got.model == "alchemy-local" and "offline" in got.report.notes[0]
    assert got.report.added == 6 and len({c.name for c in got.cases}) == 6
    assert all(set(c.vars) == {"topic"} for c in got.cases)  # named after the prompts' placeholder
    tags = {t for c in got.cases for t in c.tags}
    assert {"typical", "edge", "suggested"} <= tags
    assert all(
        {"type": "max-words", "value": 20} in c.assertions for c in got.cases
    )  # the idea's limit
    assert all(c.source == "suggest" and c.metadata["offline"] is True for c in got.cases)
    again = suggest_cases(store, request_id, 6, seed=3)
    assert again.report.added == 0 and again.report.skipped == 6  # same seed, same cases


def test_a_model_suggests_and_bad_items_are_reported(store: Store, request_id: str) -> None:
    reply = json.dumps(
        [
            {"name": "long", "vars": {"topic": "a very long storm"}, "tags": ["edge"]},
            {"name": "bad", "vars": {"topic": "x"}, "assert": [{"type": "python", "value": "1"}]},
            "not an object",
        ]
    )
    model = Scripted("fake-suggester", lambda s, p: "Here you go:\n" + reply)
    with registered(model):
        got = suggest_cases(store, request_id, 3, provider="local", model="fake-suggester")
    assert not got.offline and got.report.added == 1 and got.report.failed == 2
    assert (
        got.cases[0].tags == ["edge", "suggested"]
        and "{{" not in model.seen[0][1].split("<vars>")[1][:10]
    )
    assert store.counts()["model_calls"] == 1  # recorded like every call


def test_expected_assertion_reads_promptfoo_type_value_text() -> None:
    assert expected_assertion("icontains: rain") == {"type": "icontains", "value": "rain"}
    assert expected_assertion("max-words: 50") == {"type": "max-words", "value": 50}
    assert expected_assertion("contains-any: a, b") == {"type": "contains-any", "value": ["a", "b"]}
    assert expected_assertion("similar(0.8): calm sea") == {
        "type": "similar",
        "value": "calm sea",
        "threshold": 0.8,
    }
    assert expected_assertion("grade: is polite") == {"type": "llm-rubric", "value": "is polite"}
    assert expected_assertion("just this text") == {"type": "equals", "value": "just this text"}


def test_json_nested_past_the_recursion_limit_is_one_line(
    store: Store, request_id: str, tmp_path: Path
) -> None:
    """A whole .json file, or a schema inside one line, nested 100,000 deep: no RecursionError."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError, match="nested more than"):
        import_cases(store, deep, request_id)
    schema = "[" * 5_000 + "]" * 5_000
    mixed = tmp_path / "mixed.json"
    mixed.write_text(
        json.dumps(
            [
                {"vars": {"input": "a"}, "assert": [{"type": "is-json", "value": schema}]},
                {"vars": {"input": "b"}, "assert": [{"type": "contains", "value": "b"}]},
            ]
        )
    )
    report = import_cases(store, mixed, request_id)
    assert report.added == 1 and "nested too deep" in str(report.failures)
