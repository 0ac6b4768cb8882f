"""The store's aggregations for charts and summaries (store/analytics.py), checked against pandas."""

from __future__ import annotations

import pytest
from notebook_fixtures import evaluate_offline

import alchemy_kit as ak
from alchemy_kit.errors import ValidationError
from alchemy_kit.notebook import views
from alchemy_kit.search.query import build_filters
from alchemy_kit.store import Store

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures


def test_metric_summary_matches_pandas(store: Store) -> None:
    summary = store.metric_summary(["phase", "persona"])
    prompts = store.dataframe("prompts")
    metrics = store.dataframe("metrics")
    per_prompt = metrics.pivot_table(
        index="prompt_id", columns="metric_type", values="value", aggfunc="sum"
    )
    tokens = metrics[metrics.metric_type == "tokens"].set_index("prompt_id")
    joined = prompts.set_index("id").join(per_prompt).join(tokens[["input_tokens"]])
    expected = joined.groupby(["phase", "persona"])
    assert len(summary) == expected.ngroups == 6
    for row in summary:
        group = expected.get_group((row["phase"], row["persona"]))
        assert row["prompts"] == len(group) == 3
        assert row["mean_score"] == pytest.approx(group["score"].mean(), abs=1e-4)
        assert row["max_score"] == pytest.approx(group["score"].max(), abs=1e-4)
        assert row["mean_ms"] == pytest.approx(group["time"].mean(), abs=0.06)
        assert row["input_tokens"] == group["input_tokens"].sum()
        assert row["cost_usd"] == 0
    assert [r["phase"] for r in summary[::2]] == list(ak.PHASES)  # phases in run order


def test_metric_summary_filters_and_bad_groups(store: Store) -> None:
    flt = build_filters(tags="csv", min_score=0.5)
    (row,) = store.metric_summary(["persona"], flt)
    assert row["persona"] == "code"
    expected = [p for p in store.list_prompts(tag="csv", limit=None) if p.score >= 0.5]
    assert row["prompts"] == len(expected)
    with pytest.raises(ValidationError, match="group by one or more"):
        store.metric_summary(["content"])
    with pytest.raises(ValidationError):
        store.metric_summary([])


def test_metric_summary_renders_as_a_table(store: Store) -> None:
    summary = store.metric_summary()
    html = views.rows_html(summary)
    assert html.startswith("<p><strong>metrics by phase, provider, model</strong>")
    assert "text-align:left" in html and html.count("<tr>") == 4
    assert list(summary.to_dataframe().columns)[:4] == ["phase", "provider", "model", "prompts"]


def test_token_usage_per_request_and_bucket(store: Store) -> None:
    per_request = store.token_usage("request")
    assert len(per_request) == 2 and all(r["prompts"] == 9 for r in per_request)
    times = [r["time"] for r in per_request]
    assert times == sorted(times)
    for bucket in ("minute", "hour", "day"):
        rows = store.token_usage(bucket)
        assert sum(r["input_tokens"] for r in rows) == sum(r["input_tokens"] for r in per_request)
        assert sum(r["requests"] for r in rows) == 2
    assert store.token_usage("day")[0]["time"].endswith("T00:00:00Z")
    assert store._count_requests() == 2 and store._count_requests(build_filters(tags="csv")) == 1
    with pytest.raises(ValidationError):
        store.token_usage("week")


def test_embedding_sample_is_the_newest(store: Store) -> None:
    model = store.search_sql.embedding_models()[0][0]
    rows = store._embedding_sample(model, 4)
    newest = store.list_prompts(limit=4)
    assert [r["prompt_id"] for r in rows] == [p.id for p in newest]
    assert all(isinstance(r["embedding"], bytes) for r in rows)
    flt = build_filters(phase="solutio")
    assert {r["phase"] for r in store._embedding_sample(model, 100, flt)} == {"solutio"}


def test_sibling_embeddings_of_the_newest_requests(store: Store) -> None:
    model = store.search_sql.embedding_models()[0][0]
    newest = store.list_requests(limit=1)[0]
    rows = store._sibling_embeddings(model, 1)
    assert len(rows) == 9 and {r["request_id"] for r in rows} == {newest.id}
    assert rows[0]["idea"] == newest.input


def test_judge_criteria_empty_without_judge_runs(store: Store) -> None:
    assert store._judge_criteria() == []


def test_eval_pass_counts_and_cells_match_the_outputs(store: Store) -> None:
    run_id = evaluate_offline(store)
    outputs = store.dataframe("outputs")
    counts = store._eval_pass_counts(run_id)
    assert len(counts) == 3 * 2  # three prompts × two models
    for row in counts:
        mine = outputs[(outputs.prompt_id == row["prompt_id"]) & (outputs.model == row["model"])]
        assert row["outputs"] == len(mine) == 4
        assert row["graded"] == mine.passed.notna().sum()
        assert row["passed"] == (mine.passed == 1).sum()
        assert row["failed_calls"] == mine.error.notna().sum()
        assert row["mean_grade"] == pytest.approx(mine.score.mean(), abs=1e-4)
        assert row["phase"] == "coagulatio" and row["content"]
    flaky = [row for row in counts if row["model"] == "fake-flaky"]
    assert {(row["failed_calls"], row["graded"]) for row in flaky} == {(1, 2)}
    cells, total = store._eval_cells(run_id, 5)
    assert total == 24 and len(cells) == 5
    assert {c["case_name"] for c in cells[:4]} <= {"library", "bridge", "rain", "owl"}
    every, _ = store._eval_cells(run_id, 1000)
    assert len(every) == 24 and sum(c["failed"] for c in every) == 3
    failed = next(c for c in every if c["failed"])
    assert failed["preview"].endswith("the fake model is down")
