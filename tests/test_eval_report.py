"""Tests for alchemy_kit.notebook.eval_report: ak.evaluate returns a report with HTML and pandas."""

from __future__ import annotations

from pathlib import Path

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.notebook import markup


def test_ak_evaluate_renders_and_exports(db_path: Path) -> None:
    store = ak.open_store(db_path)
    req = r.Request(input="Describe the weather in at most 12 words", phases=["coagulatio"])
    short = r.Prompt(
        "Describe the weather in at most 12 words.", "coagulatio", "local", "m", request_id=req.id
    )
    long = r.Prompt(
        "Describe the weather <&> thoroughly.", "coagulatio", "local", "m", request_id=req.id
    )
    store.add([req], [short, long])
    for topic in ("rain", "snow", "fog"):
        ak.add_case(
            store, req.id, {"topic": topic}, assertions=[{"type": "max-words", "value": 12}]
        )
    seen: list[tuple[int, int]] = []
    report = ak.evaluate(req.id, store=store, on_progress=lambda d, t: seen.append((d, t)))
    assert isinstance(report, ak.EvalReport) and seen[-1] == (6, 6)
    page = report._repr_html_()
    assert "95% CI" in page and "&lt;&amp;&gt;" in page and "<&>" not in page  # escaped
    assert page.count("✓") >= 3 and "✗" in page and "data-output=" in page
    df = report.to_pandas()
    assert len(df) == 6 and set(df["passed"]) == {True, False}
    assert {
        "prompt_id",
        "case",
        "model",
        "score",
        "cost_usd",
        "latency_ms",
        "text",
        "grades",
    } <= set(df.columns)
    rows = {s.prompt_id: s for s in report.summary()}
    assert rows[short.id].pass_rate == 1.0 and rows[long.id].pass_rate == 0.0
    assert "not enough cases" in report.compare(short.id, long.id).summary
    again = ak.eval_report(report.run_id[:8], store=store)
    assert again.run_id == report.run_id and "Eval run" in repr(again)


def test_matrix_header_keeps_a_cut_case_name_in_its_tooltip(db_path: Path) -> None:
    store = ak.open_store(db_path)
    req = r.Request(input="Name a colour", phases=["coagulatio"])
    prompt = r.Prompt("Name a colour.", "coagulatio", "local", "m", request_id=req.id)
    store.add([req], [prompt])
    name = "a colour for a very long summer evening by the sea"
    ak.add_case(
        store, req.id, {"mood": "calm"}, name=name, assertions=[{"type": "max-words", "value": 9}]
    )
    page = ak.evaluate(req.id, store=store)._matrix_html()
    # The header shows the cut name, and hovering it shows the whole one.
    assert f'title="{name}"' in page
    assert f">{markup.cut(name, 18)}</th>" in page and f">{name}</th>" not in page
