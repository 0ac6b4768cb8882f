"""The dashboard charts: specs checked through to_dict() (marks, fields, encodings, data), saving, renderers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from notebook_fixtures import evaluate_offline

import alchemy_kit as ak
from alchemy_kit.errors import NotFoundError, ValidationError
from alchemy_kit.notebook import charts, eval_view
from alchemy_kit.scoring.rank import quality_metric
from alchemy_kit.scoring.stats import wilson
from alchemy_kit.store import Store
from alchemy_kit.store.codec import decode_vector

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict()


def rows(chart: alt.TopLevelMixin) -> list[dict[str, Any]]:
    (data,) = spec(chart)["datasets"].values()
    return list(data)


def fields(chart: alt.TopLevelMixin) -> dict[str, str]:
    return {
        channel: enc["field"]
        for channel, enc in spec(chart)["encoding"].items()
        if isinstance(enc, dict) and "field" in enc
    }


def test_score_by_phase(store: Store) -> None:
    chart = charts.score_by_phase(store)
    assert spec(chart)["mark"]["type"] == "bar"
    assert fields(chart) == {
        "x": "phase",
        "xOffset": "provider",
        "y": "mean_score",
        "color": "provider",
    }
    assert spec(chart)["encoding"]["x"]["sort"] == list(ak.PHASES)
    prompts = store.dataframe("prompts")
    expected = prompts.groupby("phase")["score"].mean()
    got = {r["phase"]: r for r in rows(chart)}
    assert list(got) == list(ak.PHASES)  # run order, not alphabetical
    for phase, mean in expected.items():
        assert got[phase]["mean_score"] == pytest.approx(mean, abs=1e-4)
        assert got[phase]["prompts"] == 6
    only = charts.score_by_phase(store, phase="solutio")
    assert [r["phase"] for r in rows(only)] == ["solutio"]


def test_cost_latency(store: Store) -> None:
    chart = charts.cost_latency(store)
    assert spec(chart)["mark"]["type"] == "circle"
    assert fields(chart) == {
        "x": "mean_ms",
        "y": "cost_per_prompt",
        "size": "prompts",
        "color": "provider",
    }
    (row,) = rows(chart)
    assert row["label"] == "local/alchemy-local" and row["prompts"] == 18
    assert row["cost_per_prompt"] == 0 and row["mean_ms"] > 0


def test_tokens_over_time_per_request_then_per_day(store: Store, monkeypatch: Any) -> None:
    chart = charts.tokens_over_time(store)
    assert spec(chart)["mark"]["type"] == "line"
    assert fields(chart) == {
        "x": "time",
        "y": "tokens",
        "color": "direction",
        "strokeDash": "provider",
    }
    assert spec(chart)["encoding"]["x"]["type"] == "temporal"
    data = rows(chart)
    metrics = store.dataframe("metrics")
    tokens = metrics[metrics.metric_type == "tokens"]
    assert sum(r["tokens"] for r in data if r["direction"] == "input") == tokens.input_tokens.sum()
    assert (
        sum(r["tokens"] for r in data if r["direction"] == "output") == tokens.output_tokens.sum()
    )
    assert len({r["time"] for r in data}) == 2  # one point per request
    # Above MAX_ROWS requests the chart shows aggregates by day, computed in SQL.
    monkeypatch.setattr(charts, "MAX_ROWS", 1)
    daily = charts.tokens_over_time(store)
    assert spec(daily)["title"] == {
        "text": "Tokens per day",
        "subtitle": "one day so far: the lines start with the next",  # both requests: today
    }
    assert {r["time"][10:] for r in rows(daily)} == {"T00:00:00Z"}
    assert sum(r["tokens"] for r in rows(daily)) == tokens.total_tokens.sum()


def test_judge_rubric(store: Store) -> None:
    empty = charts.judge_rubric(store)
    assert spec(empty)["mark"]["type"] == "text" and "no judge runs yet" in str(rows(empty))
    prompts = store.list_prompts(limit=2)
    for prompt, clarity in zip(prompts, (6, 8), strict=True):
        details = {
            "source": "judge",
            "model": "gpt-4o-mini",
            "criteria": {"clarity": clarity, "faithfulness": 9},
        }
        store.add_metrics([quality_metric(prompt.id, 0.7, details)])
    store.add_metrics(
        [quality_metric(prompts[0].id, 0.5, {"source": "judge_error", "criteria": {"clarity": 1}})]
    )
    chart = charts.judge_rubric(store)
    assert spec(chart)["mark"]["type"] == "bar"
    assert fields(chart) == {
        "x": "criterion",
        "xOffset": "judge",
        "y": "mean",
        "color": "judge",
    }
    got = {r["criterion"]: r for r in rows(chart)}
    assert got["clarity"]["mean"] == 7 and got["clarity"]["judged"] == 2  # the error is ignored
    assert got["faithfulness"]["min"] == got["faithfulness"]["max"] == 9
    other = charts.judge_rubric(store, judge_model="claude")
    assert spec(other)["mark"]["type"] == "text"  # no run by that judge


def test_embedding_map(store: Store) -> None:
    chart = charts.embedding_map(store)
    d = spec(chart)
    assert d["mark"]["type"] == "circle"
    assert fields(chart) == {"x": "x", "y": "y", "color": "phase"}
    assert d["encoding"]["color"]["scale"]["domain"] == list(ak.PHASES)
    (param,) = d["params"]
    assert param["name"] == charts.PICK and param["select"]["fields"] == ["prompt_id"]
    data = rows(chart)
    assert len(data) == 18 and {r["phase"] for r in data} == set(ak.PHASES)
    assert {"id", "preview", "score", "rank"} <= set(data[0])
    assert "PC1" in d["encoding"]["x"]["title"]
    assert rows(charts.embedding_map(store)) == data  # deterministic, signs included
    newest = rows(charts.embedding_map(store, limit=5))
    subtitle = spec(charts.embedding_map(store, limit=5))["title"]["subtitle"]
    assert len(newest) == 5 and subtitle.startswith("the newest 5 of 18 prompts")  # not "5 of 5"
    narrowed = spec(charts.embedding_map(store, limit=5, phase="solutio"))["title"]["subtitle"]
    assert narrowed.startswith("the newest 5 of 6 prompts")


def test_pca_2d_finds_the_main_direction() -> None:
    rng = np.random.default_rng(0)
    line = np.outer(np.linspace(-1, 1, 50), [3.0, 4.0, 0.0]) + rng.normal(0, 0.01, (50, 3))
    points, share = charts.pca_2d(line)
    assert points.shape == (50, 2) and share[0] > 0.99
    assert np.corrcoef(points[:, 0], np.linspace(-1, 1, 50))[0, 1] == pytest.approx(1, abs=1e-3)
    flipped, _ = charts.pca_2d(-line)  # same picture whatever sign the SVD returns
    assert np.allclose(np.abs(flipped[:, 0]), np.abs(points[:, 0]), atol=1e-6)


def test_sibling_variety(store: Store) -> None:
    chart = charts.sibling_variety(store)
    assert spec(chart)["mark"]["type"] == "bar"
    assert fields(chart) == {"x": "request", "xOffset": "phase", "y": "variety", "color": "phase"}
    data = rows(chart)
    assert len(data) == 6 and all(r["variants"] == 3 for r in data)
    # Check one value by hand: mean pairwise cosine distance of the phase's embeddings.
    row = data[0]
    prompts = store.list_prompts(request_id=row["request_id"], phase=row["phase"], limit=None)
    vectors = [decode_vector(store._get_embedding(p.id).embedding) for p in prompts]
    unit = [v / np.linalg.norm(v) for v in vectors]
    pairs = [(i, j) for i in range(3) for j in range(3) if i != j]
    expected = np.mean([1 - unit[i] @ unit[j] for i, j in pairs])
    assert row["variety"] == pytest.approx(expected, abs=1e-3)


def test_identical_siblings_have_no_variety(store: Store) -> None:
    request = store.list_requests()[0]
    prompts = store.list_prompts(request_id=request.id, phase="solutio", limit=None)
    same = store._get_embedding(prompts[0].id)
    store._upsert_embeddings(
        [ak.EmbeddingRecord(p.id, same.model, same.dimensions, same.embedding) for p in prompts]
    )
    data = rows(charts.sibling_variety(store, request_id=request.id, phase="solutio"))
    assert [r["variety"] for r in data] == [pytest.approx(0, abs=1e-4)]


def test_empty_store_charts_explain_themselves(tmp_path: Path) -> None:
    with ak.open_store(tmp_path / "empty.db") as empty:
        for make in charts.CHARTS.values():
            chart = make(empty)
            assert spec(chart)["mark"]["type"] == "text"
            assert rows(chart)[0]["message"]


def test_grid_keeps_each_chart_s_colours(store: Store) -> None:
    grid = charts.grid([charts.score_by_phase(store), charts.sibling_variety(store)])
    d = spec(grid)
    assert len(d["concat"]) == 2 and d["columns"] == 2
    assert d["resolve"]["scale"]["color"] == "independent"
    assert d["resolve"]["scale"]["xOffset"] == "independent"


def _svg_texts(chart: alt.TopLevelMixin) -> tuple[float, list[str]]:
    """The rendered width and the text labels of a chart, drawn by vl-convert (Vega itself)."""
    import re

    import vl_convert as vlc

    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0].replace(".", "_")
    svg = vlc.vegalite_to_svg(chart.to_dict(), vl_version=version)
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg)[1])  # type: ignore[index]
    return width, re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_the_time_axis_is_utc_on_a_24_hour_clock(store: Store) -> None:
    chart = charts.tokens_over_time(store)
    x = spec(chart)["encoding"]["x"]
    assert x["timeUnit"].startswith("utc") and "%I" not in x["axis"]["format"]
    assert "%p" not in x["axis"]["format"] and x["title"] == "time (UTC)"
    tooltip = spec(chart)["encoding"]["tooltip"][0]
    assert tooltip["timeUnit"].startswith("utc") and tooltip["format"] == "%Y-%m-%d %H:%M:%S"
    times = sorted({r["time"] for r in rows(chart)})
    _, labels = _svg_texts(chart)
    ticks = [t for t in labels if len(t) == 8 and t[2] == t[5] == ":"]
    # The first tick is the first request's UTC second (labels like ".500" or "05:33" were the bug).
    assert ticks and ticks[0] in (
        times[0][11:19],
        times[0][11:17] + f"{int(times[0][17:19]) + 1:02d}",
    )


def test_sparse_charts_say_why_they_look_empty(store: Store) -> None:
    one = store.list_requests(limit=1)[0].id
    single = spec(charts.tokens_over_time(store, request_id=one))
    assert single["title"]["subtitle"] == "one request so far: the lines start with the next"
    assert single["mark"]["point"]  # one point per series is drawn even without a line
    assert "cost nothing" in spec(charts.cost_latency(store))["title"]["subtitle"]


def test_the_dashboard_grid_fits_a_notebook_panel(store: Store) -> None:
    names = ("score", "cost", "tokens", "variety", "judge")  # the Dashboard tab's grid
    grid = charts.grid([charts.CHARTS[name](store) for name in names])
    assert spec(grid)["config"]["legend"]["orient"] == "bottom"
    width, _ = _svg_texts(grid)
    assert width <= 780, width  # was about 960 with the legends beside the charts


def test_save_chart_png_and_svg(store: Store, tmp_path: Path) -> None:
    chart = charts.score_by_phase(store)
    png = charts.save_chart(chart, tmp_path / "score.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = charts.save_chart(chart, tmp_path / "score.svg")
    text = svg.read_text("utf-8")
    assert text.startswith("<svg") and "Score by phase" in text
    with pytest.raises(ValidationError, match=r"\.png or \.svg"):
        charts.save_chart(chart, tmp_path / "score.pdf")


def test_renderers() -> None:
    before = alt.renderers.active
    try:
        charts.enable_offline()
        assert alt.renderers.active == "jupyter" and alt.JupyterChart._is_offline
        charts.use_png()
        assert alt.renderers.active == charts.PNG_RENDERER
    finally:
        alt.renderers.enable(before)
        alt.JupyterChart.enable_offline(False)


def test_png_charts_carry_their_sanitised_spec_as_text(store: Store) -> None:
    # nbval ignores PNG outputs: the text form is what makes a changed chart fail a notebook test.
    before = alt.renderers.active
    try:
        charts.use_png()
        bundle = charts.score_by_phase(store)._repr_mimebundle_()
    finally:
        alt.renderers.enable(before)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["image/png"] and data["text/plain"].startswith("Vega-Lite chart\n")
    text = data["text/plain"]
    assert 'mark: {"type": "bar"}' in text and '"field": "mean_score"' in text
    assert "data data_1: 3 row(s) of " in text and "data-" not in text  # values left out
    changed = charts.score_by_phase(store).encode(y="max_score:Q")
    assert charts.spec_text(changed.to_dict()) != text
    # Generated names are numbered per spec, not per process: the same chart gives the same text.
    a, b = (
        alt.Chart(pd.DataFrame({"x": [1]})).mark_point().add_params(alt.selection_point())
        for _ in "ab"
    )
    assert charts.spec_text(a.to_dict()) == charts.spec_text(b.to_dict())
    assert "param_1" in charts.spec_text(a.to_dict())


def test_chart_filters_are_validated(store: Store) -> None:
    with pytest.raises(ValidationError, match="unknown phase"):
        charts.score_by_phase(store, phase="distillation")


def test_pass_rate_bars_carry_wilson_intervals(store: Store) -> None:
    run_id = evaluate_offline(store)
    chart = charts.pass_rate(store)  # the newest run
    d = spec(chart)
    marks = [layer["mark"]["type"] for layer in d["layer"]]
    assert marks == ["bar", "errorbar", "text", "point"]
    assert d["layer"][3]["encoding"]["y"]["field"] == "mean_grade"
    assert d["layer"][1]["encoding"]["y"]["field"] == "low"
    assert d["layer"][1]["encoding"]["y2"]["field"] == "high"
    data = rows(chart)
    assert len(data) == 6 and all(" · " in row["prompt"] for row in data)
    for row in data:
        low, high = wilson(row["passed"], row["graded"])
        assert (row["low"], row["high"]) == (pytest.approx(low), pytest.approx(high))
        assert row["pass_rate"] == pytest.approx(row["passed"] / row["graded"])
        assert row["passes"] == f"{row['passed']}/{row['graded']}"
    # Bars are sorted by pass rate; a run prefix picks the run.
    order = d["layer"][0]["encoding"]["x"]["sort"]
    rates = {row["prompt"]: row["pass_rate"] for row in data}
    assert [rates[p] for p in order] == sorted(rates.values(), reverse=True)
    assert run_id[:8] in d["title"]["subtitle"]
    assert rows(charts.pass_rate(store, run=run_id[:8])) == data


def test_eval_matrix_colours_every_outcome(store: Store) -> None:
    run_id = evaluate_offline(store)
    chart = charts.eval_matrix(store, run=run_id)
    d = spec(chart)
    cells, grades = d["layer"]
    assert [cells["mark"]["type"], grades["mark"]["type"]] == ["rect", "text"]
    assert {k: v["field"] for k, v in cells["encoding"].items() if "field" in v} == {
        "x": "case_name",
        "y": "prompt",
        "color": "outcome",
    }
    assert grades["encoding"]["text"]["field"] == "grade"
    assert cells["encoding"]["color"]["scale"]["domain"] == list(eval_view.OUTCOMES)
    (pick,) = d["params"]  # a layer's selection is hoisted, bound to the cells' view
    assert pick["name"] == "cell" and pick["select"]["fields"] == ["output_id"]
    assert pick["views"] == [cells["name"]]
    data = rows(chart)
    assert len(data) == 24
    outcomes = {(r["model"], r["case_name"]): r["outcome"] for r in data}
    assert outcomes[("fake-flaky", "bridge")] == "call failed"
    assert outcomes[("fake-flaky", "owl")] == outcomes[("alchemy-local", "owl")] == "not graded"
    assert outcomes[("fake-flaky", "rain")] == "passed"  # "a short answer" is under 30 words
    assert {r["outcome"] for r in data} == set(eval_view.OUTCOMES)
    assert cells["encoding"]["x"]["sort"] == ["library", "bridge", "rain", "owl"]
    # A failed output that passed some checks shows its grade; others show none.
    assert {r["grade"] for r in data if r["outcome"] != "failed"} == {""}
    small = charts.eval_matrix(store, run=run_id, limit=8)
    assert len(rows(small)) == 8 and "first 8 of 24 outputs" in spec(small)["title"]["subtitle"]


def test_eval_charts_without_a_run_explain_themselves(store: Store) -> None:
    for make in (charts.pass_rate, charts.eval_matrix):
        chart = make(store)
        assert spec(chart)["mark"]["type"] == "text"
        assert "no eval outputs yet" in rows(chart)[0]["message"]
    with pytest.raises(NotFoundError):
        charts.pass_rate(store, run="ffffffff")
