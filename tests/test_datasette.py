"""Our Datasette plugin over a store filled by the offline pipeline, through Datasette's own client.

The store is deliberately not called alchemy.db: metadata, canned queries and FTS wiring must
follow the file's name. JSON is always requested with `_shape=array`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.datasette import functions, vectors
from alchemy_kit.datasette.metadata import database_block, for_database
from alchemy_kit.store import TABLES
from alchemy_kit.store.codec import decode_vector, encode_vector

DB = "lab"


@pytest.fixture(scope="module")
def lab(
    tmp_path_factory: pytest.TempPathFactory, record_failed_request: Any
) -> Iterator[dict[str, Any]]:
    """Two refined ideas (one tagged), one failed phase run and two searches, in lab.db."""
    path = tmp_path_factory.mktemp("datasette") / f"{DB}.db"
    store = ak.open_store(path)
    kw: dict[str, Any] = {"count": 2, "seed": 7, "store": store, "progress": False}
    legal = ak.generate("summarise a legal contract for a busy founder", tags=["legal"], **kw)
    haiku = ak.generate("write a haiku about rain on a tin roof", **kw)
    failed, run = record_failed_request(store)
    ak.search_prompts(store, "a short poem about weather", k=3)
    ak.search_prompts(store, "contract", mode="text", k=3)
    first, second = legal.by_phase("coagulatio")
    store.add_preferences(
        [
            r.Preference("pairwise", second.id, 1, "ana", other_prompt_id=first.id),
            r.Preference("rating", first.id, 4, "bo"),
        ]
    )
    judged = r.Metric(
        prompt_id=first.id,
        metric_type="quality",
        value=0.9,
        details={"source": "judge", "model": "gpt-4o-mini", "critique": "name the reader"},
    )
    store.add_metrics([judged])
    _add_eval(store, haiku.request.id)
    store.close()
    yield {"path": path, "legal": legal, "haiku": haiku, "failed": failed, "run": run}
    vectors.forget()  # the plugin's read-only connections to this file


def _add_eval(store: Any, request_id: str) -> None:
    """A case, an offline eval run with its outputs, and a recorded call (the tables of m007)."""
    from alchemy_kit import records_eval as ev
    from alchemy_kit.engine.evaluate import evaluate

    ak.add_case(
        store, request_id, {"input": "rain"}, assertions=[{"type": "max-words", "value": 40}]
    )
    evaluate(store, request=request_id, phase="coagulatio")
    call = ev.ModelCall(
        "c" * 64, "openai", "gpt-4o-mini", [{"role": "user", "content": "hi"}], "ok"
    )
    store.put_calls([call])


async def _datasette(*files: Path, metadata: dict[str, Any] | None = None, **kw: Any) -> Any:
    from datasette.app import Datasette

    ds = Datasette(files=[str(f) for f in files], metadata=metadata, **kw)
    await ds.invoke_startup()
    return ds


@pytest.fixture
async def ds(lab: dict[str, Any]) -> Any:
    return await _datasette(lab["path"], metadata=for_database(DB))


def _sql(path: Path, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


async def _rows(ds: Any, path: str) -> list[dict[str, Any]]:
    sep = "&" if "?" in path else "?"
    resp = await ds.client.get(f"{path}{sep}_shape=array")
    assert resp.status_code == 200, (path, resp.text[:500])
    rows: list[dict[str, Any]] = resp.json()
    return rows


def _cosine(a: bytes, b: bytes) -> float:
    va, vb = decode_vector(a), decode_vector(b)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


async def test_every_table_page_and_facet(ds: Any, lab: dict[str, Any]) -> None:
    meta = for_database(DB)["databases"][DB]["tables"]
    for table in TABLES:
        (count,) = _sql(lab["path"], f"SELECT count(*) AS n FROM {table}")
        rows = await _rows(ds, f"/{DB}/{table}.json?_size=max")
        assert len(rows) == count["n"] > 0, table
        assert (await ds.client.get(f"/{DB}/{table}")).status_code == 200, table
        resp = await ds.client.get(f"/{DB}/{table}.json")
        facets = resp.json()["facet_results"]
        for facet in meta[table]["facets"]:
            if not isinstance(facet, str):
                assert facet["array"] in facets, table
                continue
            expected = {
                r["v"]: r["n"]
                for r in _sql(
                    lab["path"],
                    # Datasette's column facets leave NULL out
                    f"SELECT [{facet}] AS v, count(*) AS n FROM {table}"
                    f" WHERE [{facet}] IS NOT NULL GROUP BY v",
                )
            }
            got = {f["value"]: f["count"] for f in facets[facet]["results"]}
            assert got == expected, (table, facet)


async def test_every_canned_query(ds: Any, lab: dict[str, Any]) -> None:
    legal, haiku, path = lab["legal"], lab["haiku"], lab["path"]
    names = list(database_block()["queries"])
    for name in names:
        assert (await ds.client.get(f"/{DB}/{name}")).status_code == 200, name
        await _rows(ds, f"/{DB}/{name}.json")

    board = await _rows(ds, f"/{DB}/leaderboard.json")
    assert len(board) == 6  # two requests x three phases, best variant each
    assert [r["score"] for r in board] == sorted((r["score"] for r in board), reverse=True)
    final = await _rows(ds, f"/{DB}/leaderboard.json?phase=coagulatio")
    assert {r["prompt_id"] for r in final} == {legal.best.id, haiku.best.id}

    chain = await _rows(ds, f"/{DB}/request_lineage.json?request_id={legal.request.id}")
    assert {r["prompt_id"] for r in chain} == {p.id for p in legal.prompts}
    assert [r["phase"] for r in chain] == [p for p in ak.PHASES for _ in range(2)]
    assert all(r["tags"] == "legal" and r["phase_status"] == "completed" for r in chain)

    hits = await _rows(ds, f"/{DB}/search_prompts.json?q=haiku")
    assert hits and all("haiku" in r["content"].lower() for r in hits)
    assert [r["relevance"] for r in hits] == sorted((r["relevance"] for r in hits), reverse=True)
    assert await _rows(ds, f"/{DB}/search_prompts.json?q=") == []

    (tag,) = await _rows(ds, f"/{DB}/tag_counts.json")
    assert (tag["tag"], tag["prompts"], tag["requests"]) == ("legal", 6, 1)
    assert len(await _rows(ds, f"/{DB}/prompts_tagged.json")) == 6  # no tag: every tagged prompt
    tagged = await _rows(ds, f"/{DB}/prompts_tagged.json?tag=legal")
    assert {r["prompt_id"] for r in tagged} == {p.id for p in legal.prompts}

    (failed,) = await _rows(ds, f"/{DB}/failed_phases.json")
    assert (failed["phase_run_id"], failed["request_id"]) == (lab["run"].id, lab["failed"].id)

    searches = await _rows(ds, f"/{DB}/top_searches.json")
    assert {(s["query"], s["search_type"]) for s in searches} == {
        ("a short poem about weather", "semantic"),
        ("contract", "text"),
    }
    assert all(len(json.loads(s["results"])) == s["avg_results"] for s in searches)

    pickers = {row["who"]: row for row in await _rows(ds, f"/{DB}/picks_per_researcher.json")}
    assert (pickers["ana"]["pairwise"], pickers["bo"]["ratings"], pickers["bo"]["mean_rating"]) == (
        1,
        1,
        4,
    )
    assert pickers["ana"]["agrees_with_scorer"] == 0  # ana preferred the scorer's runner-up
    (judged,) = await _rows(ds, f"/{DB}/judge_vs_scorer.json")
    first = legal.by_phase("coagulatio")[0]
    assert (judged["prompt_id"], judged["judge"], judged["judge_model"]) == (
        first.id,
        0.9,
        "gpt-4o-mini",
    )

    tokens = await _rows(ds, f"/{DB}/token_usage_over_time.json")
    (total,) = _sql(path, "SELECT sum(total_tokens) AS n FROM metrics WHERE metric_type='tokens'")
    assert sum(r["total_tokens"] for r in tokens) == total["n"]
    days = await _rows(ds, f"/{DB}/cost_latency_per_day.json")
    assert sum(r["prompts"] for r in days) == 12 and all(r["cost_usd"] == 0 for r in days)
    assert all(r["avg_latency_ms"] is not None for r in days)


async def test_similarity_queries_match_numpy(ds: Any, lab: dict[str, Any]) -> None:
    blobs = {r["prompt_id"]: r["embedding"] for r in _sql(lab["path"], "SELECT * FROM embeddings")}
    target = lab["legal"].best.id
    similar = await _rows(ds, f"/{DB}/similar_prompts.json?prompt_id={target[:8]}")
    assert {r["query_prompt_id"] for r in similar} == {target}
    expected = sorted(
        ((round(_cosine(blobs[target], b), 4), pid) for pid, b in blobs.items() if pid != target),
        reverse=True,
    )
    assert [r["similarity"] for r in similar] == [s for s, _ in expected]

    pairs = await _rows(ds, f"/{DB}/near_duplicates.json?min_similarity=0.6")
    phase = {p.id: p.phase for res in (lab["legal"], lab["haiku"]) for p in res.prompts}
    want = {
        (a, b)
        for a in blobs
        for b in blobs
        if a < b and phase[a] == phase[b] and _cosine(blobs[a], blobs[b]) >= 0.6
    }
    assert want and {(r["prompt_id"], r["other_prompt_id"]) for r in pairs} == want
    assert all(r["similarity"] >= 0.6 for r in pairs)
    default = await _rows(ds, f"/{DB}/near_duplicates.json")
    assert all(r["similarity"] >= 0.95 for r in default)


# SQLite reports an exception raised inside a user function as "unraisable"; the 400 is what counts.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_sql_functions_against_decode(ds: Any, lab: dict[str, Any]) -> None:
    stored = _sql(lab["path"], "SELECT prompt_id, embedding FROM embeddings ORDER BY prompt_id")
    sql = (
        "SELECT a.prompt_id, alchemy_vector(a.embedding) AS vec, alchemy_dims(a.embedding) AS dims,"
        " alchemy_cosine(a.embedding, b.embedding) AS cos, alchemy_cosine(a.embedding, NULL) AS nul"
        " FROM embeddings a JOIN embeddings b ON b.prompt_id = :other ORDER BY a.prompt_id"
    )
    other = stored[0]["embedding"]
    resp = await ds.client.get(
        f"/{DB}.json", params={"sql": sql, "other": stored[0]["prompt_id"], "_shape": "array"}
    )
    rows = resp.json()
    assert len(rows) == len(stored)
    for row, raw in zip(rows, stored, strict=True):
        vec = decode_vector(raw["embedding"])
        assert row["dims"] == vec.shape[0] == 384
        assert np.allclose(json.loads(row["vec"]), vec, atol=1e-6)
        assert row["cos"] == pytest.approx(_cosine(raw["embedding"], other), abs=1e-5)
        assert row["nul"] is None
    assert rows[0]["cos"] == pytest.approx(1.0, abs=1e-5)
    bad = await ds.client.get(f"/{DB}.json", params={"sql": "SELECT alchemy_dims(x'00ff')"})
    assert bad.status_code == 400


def test_functions_direct() -> None:
    a, b = encode_vector([1.0, 0.0, 1.0], "float32"), encode_vector([1.0, 1.0, 0.0], "float16")
    assert functions.alchemy_cosine(a, b) == pytest.approx(0.5)
    assert functions.alchemy_dims(b) == 3
    assert json.loads(functions.alchemy_vector(a) or "") == [1.0, 0.0, 1.0]
    assert functions.alchemy_cosine(a, encode_vector([0.0, 0.0, 0.0], "float32")) is None
    with pytest.raises(ak.CorruptEmbeddingError):
        functions.alchemy_cosine(a, encode_vector([1.0, 2.0], "float32"))
    with pytest.raises(ak.CorruptEmbeddingError):
        functions.alchemy_dims("not a blob")


async def test_lineage_page(ds: Any, lab: dict[str, Any]) -> None:
    legal, haiku = lab["legal"], lab["haiku"]
    for start in (legal.request.id, legal.prompts[0].id, legal.phase_runs[1].id):
        resp = await ds.client.get(f"/{DB}/-/lineage/{start}.json")
        assert resp.status_code == 200
        data = resp.json()
        assert data["request"]["id"] == legal.request.id
    assert [r["phase"] for r in data["phase_runs"]] == list(ak.PHASES)
    assert all(r["status"] == "completed" and r["duration_ms"] >= 0 for r in data["phase_runs"])
    assert {v["id"] for v in data["variants"]} == {p.id for p in legal.prompts}
    for v in data["variants"]:
        # time, tokens, cost and the scorer's quality metric (one variant was also judged)
        assert v["metric_count"] in (4, 5) and json.loads(v["tags"]) == ["legal"]
        assert v["phase_run_id"] in {r.id for r in legal.phase_runs}
        # Neighbours come from other requests only, best first.
        assert [n["id"] for n in v["neighbours"]] and all(
            n["request_id"] == haiku.request.id for n in v["neighbours"]
        )
        sims = [n["similarity"] for n in v["neighbours"]]
        assert sims == sorted(sims, reverse=True)

    html = (await ds.client.get(f"/{DB}/-/lineage/{legal.request.id}")).text
    for phase in ak.PHASES:
        assert f'id="phase-{phase}"' in html
    assert legal.best.id in html and "summarise a legal contract" in html
    assert f'href="/{DB}/embeddings/{legal.best.id}"' in html
    assert f"/{DB}/metrics?prompt_id={legal.best.id}" in html

    failed = (await ds.client.get(f"/{DB}/-/lineage/{lab['run'].id}")).text
    assert "connection refused" in failed and "alchemy-status-failed" in failed
    missing = await ds.client.get(f"/{DB}/-/lineage/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


async def test_cells_link_render_and_summarise(ds: Any, lab: dict[str, Any]) -> None:
    legal = lab["legal"]
    best = legal.best
    table = (await ds.client.get(f"/{DB}/prompts")).text
    assert table.count('class="alchemy-md alchemy-snippet"') == 12
    assert best.content[-200:] not in table  # cut in the table view
    assert f"/{DB}/-/lineage/{legal.request.id}" in table

    row = (await ds.client.get(f"/{DB}/prompts/{best.id}")).text
    # rendered as Markdown (headings, paragraphs or lists), in full on the row page
    assert re.search(r'class="alchemy-md"><(h[1-3]|p|ol|ul)>', row)
    assert best.content.split()[-1].rstrip(".") in row
    assert f'href="/{DB}/prompt_requests/{legal.request.id}"' in row
    run_id = best.metadata["phase_run_id"]
    assert f'href="/{DB}/request_phases/{run_id}"' in row  # inside the metadata JSON

    embeddings = (await ds.client.get(f"/{DB}/embeddings")).text
    assert "384-d int12" in embeddings and "blob-download" not in embeddings

    (search,) = _sql(lab["path"], "SELECT results FROM search_history WHERE search_type='text'")
    history = (await ds.client.get(f"/{DB}/search_history")).text
    for pid in json.loads(search["results"]):
        assert f'href="/{DB}/prompts/{pid}"' in history

    board = (await ds.client.get(f"/{DB}/leaderboard?phase=coagulatio")).text
    assert f'href="/{DB}/prompts/{best.id}"' in board
    assert f'href="/{DB}/prompt_requests/{legal.request.id}"' in board
    tags = (await ds.client.get(f"/{DB}/tag_counts")).text
    assert f'href="/{DB}/prompts_tagged?tag=legal"' in tags

    page = (await ds.client.get(f"/{DB}/metrics")).text
    assert "/-/alchemy-kit/alchemy.css" in page and "alchemy-column-descriptions" in page
    css = await ds.client.get("/-/alchemy-kit/alchemy.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_metadata_follows_any_file_name(lab: dict[str, Any], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (id TEXT, request_id TEXT, content TEXT)")
        conn.execute("INSERT INTO notes VALUES (?, ?, '# Title')", [lab["legal"].request.id] * 2)
        conn.commit()
    # No metadata passed: the plugin's get_metadata hook supplies ours for the store only.
    ds = await _datasette(lab["path"], other)
    queries = await ds.get_canned_queries(DB, None)
    assert set(database_block()["queries"]) <= set(queries)
    assert await ds.get_canned_queries("other", None) == {}
    hits = await _rows(ds, f"/{DB}/prompts.json?_search=haiku")
    (total,) = _sql(lab["path"], "SELECT count(*) AS n FROM prompts")
    assert hits and len(hits) < total["n"]
    assert all("haiku" in r["content"].lower() for r in hits)
    assert "Every generated prompt variant" in (await ds.client.get(f"/{DB}/prompts")).text
    notes = (await ds.client.get("/other/notes")).text
    assert "alchemy-id" not in notes and "alchemy-md" not in notes  # someone else's file
    assert (await ds.client.get(f"/other/-/lineage/{lab['legal'].request.id}")).status_code == 404


async def test_post_to_canned_queries_is_405(ds: Any, lab: dict[str, Any]) -> None:
    before = _sql(lab["path"], "SELECT count(*) AS n FROM prompts")
    for name in database_block()["queries"]:
        resp = await ds.client.post(f"/{DB}/{name}", data={"tag": "x"})
        assert resp.status_code == 405, name
        assert resp.headers["allow"] == "GET, HEAD"
        assert "read-only canned query" in resp.json()["error"]
    assert _sql(lab["path"], "SELECT count(*) AS n FROM prompts") == before


async def test_table_search_redirects_to_relevance(ds: Any) -> None:
    resp = await ds.client.get(f"/{DB}/prompts?_search=rain+roof")
    assert resp.status_code == 302
    assert resp.headers["location"] == f"/{DB}/search_prompts?q=rain+roof"
    # With a filter the table page keeps the search (and the filter) itself.
    kept = await ds.client.get(f"/{DB}/prompts?_search=rain&phase=solutio")
    assert kept.status_code == 200


async def test_nothing_served_can_write(ds: Any, lab: dict[str, Any]) -> None:
    before = {t: _sql(lab["path"], f"SELECT count(*) AS n FROM {t}") for t in TABLES}
    for sql in (
        "DELETE FROM prompts",
        "UPDATE prompts SET score = 0",
        "WITH x AS (SELECT 1) INSERT INTO tags SELECT * FROM tags",
        "DROP TABLE prompts",
    ):
        resp = await ds.client.get(f"/{DB}.json", params={"sql": sql})
        assert resp.status_code in (400, 403), sql
    assert {t: _sql(lab["path"], f"SELECT count(*) AS n FROM {t}") for t in TABLES} == before


async def test_no_key_from_the_environment_on_any_page(
    lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-NOT-A-REAL-KEY-0123456789abcdef"
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LLM_GEMINI_KEY", "OPENROUTER_KEY"):
        monkeypatch.setenv(var, secret)
    ds = await _datasette(lab["path"], metadata=for_database(DB))
    legal = lab["legal"]
    paths = ["/", f"/{DB}", f"/{DB}/-/lineage/{legal.request.id}"]
    paths += [f"/{DB}/{t}" for t in TABLES] + [f"/{DB}/{t}.json" for t in TABLES]
    paths += [f"/{DB}/{q}" for q in database_block()["queries"]]
    paths += [f"/{DB}/prompts/{legal.best.id}", f"/{DB}/prompt_requests/{legal.request.id}"]
    paths += ["/-/metadata", "/-/settings", "/-/plugins", "/-/versions", "/-/databases"]
    for path in paths:
        resp = await ds.client.get(path)
        assert resp.status_code == 200, path
        assert secret not in resp.text and not re.search(r"sk-[A-Za-z0-9-]{20,}", resp.text), path


async def test_eval_canned_queries(ds: Any, lab: dict[str, Any]) -> None:
    from alchemy_kit.scoring.stats import wilson

    path, haiku = lab["path"], lab["haiku"]
    outputs = _sql(path, "SELECT * FROM outputs")
    assert outputs, "the lab store holds an eval run"
    rates = await _rows(ds, f"/{DB}/eval_pass_rates.json")
    assert len(rates) == len({(o["run_id"], o["prompt_id"], o["model"]) for o in outputs})
    for row in rates:
        mine = [o for o in outputs if o["prompt_id"] == row["prompt_id"]]
        graded = [o for o in mine if o["passed"] is not None]
        passed = sum(o["passed"] for o in graded)
        assert (row["outputs"], row["graded"], row["passed"]) == (len(mine), len(graded), passed)
        low, high = wilson(passed, len(graded))
        assert (row["ci_low"], row["ci_high"]) == (round(low, 3), round(high, 3))
        assert row["request_id"] == haiku.request.id and row["model"] == "alchemy-local"
    assert await _rows(ds, f"/{DB}/eval_pass_rates.json?request_id={lab['legal'].request.id}") == []

    failing = await _rows(ds, f"/{DB}/eval_failing_cases.json")
    bad = [o for o in outputs if o["passed"] == 0 or o["error"] is not None]
    assert {r["output_id"] for r in failing} == {o["id"] for o in bad}
    for row in failing:
        assert row["outcome"] == "failed" and row["why"].startswith("max-words: ")
        assert row["case_name"] and row["output"]
    one = bad[0]["prompt_id"] if bad else "none"
    only = await _rows(ds, f"/{DB}/eval_failing_cases.json?prompt_id={one}")
    assert {r["prompt_id"] for r in only} <= {one}

    (run,) = await _rows(ds, f"/{DB}/eval_cost_per_run.json")
    assert (run["outputs"], run["failed_calls"], run["cost_usd"]) == (len(outputs), 0, 0)
    assert (run["models"], run["mode"], run["status"]) == (
        "local/alchemy-local",
        "record",
        "completed",
    )
    assert run["cases"] == 1 and run["prompts"] == len({o["prompt_id"] for o in outputs})


def test_wilson_sql_function() -> None:
    from alchemy_kit.errors import ValidationError
    from alchemy_kit.scoring.stats import wilson

    assert functions.alchemy_wilson(3, 10, "low") == wilson(3, 10)[0]
    assert functions.alchemy_wilson(3, 10, "high") == wilson(3, 10)[1]
    assert functions.alchemy_wilson(0, 0, "low") is None  # nothing graded: no interval
    assert functions.alchemy_wilson(5, 3, "high") is None
    with pytest.raises(ValidationError, match="bound must be"):
        functions.alchemy_wilson(1, 2, "middle")


async def test_lineage_page_shows_each_variant_s_eval_outputs(ds: Any, lab: dict[str, Any]) -> None:
    haiku, path = lab["haiku"], lab["path"]
    outputs = _sql(path, "SELECT * FROM outputs")
    data = (await ds.client.get(f"/{DB}/-/lineage/{haiku.request.id}.json")).json()
    prompts = {p["prompt_id"]: p for p in data["eval"]["prompts"]}
    assert set(prompts) == {o["prompt_id"] for o in outputs}
    for pid, row in prompts.items():
        mine = [o for o in outputs if o["prompt_id"] == pid]
        assert (row["outputs"], row["runs"]) == (len(mine), 1)
        assert row["passed"] == sum(o["passed"] or 0 for o in mine)
    shown = data["eval"]["outputs"]
    assert {o["id"] for o in shown} == {o["id"] for o in outputs}
    assert all(o["case_name"] and o["text"] and o["text_bytes"] > 0 for o in shown)
    html = (await ds.client.get(f"/{DB}/-/lineage/{haiku.request.id}")).text
    assert 'id="eval"' in html and "Newest outputs" in html
    for pid in prompts:
        assert f"/{DB}/outputs?prompt_id={pid}" in html
        assert f"/{DB}/eval_failing_cases?prompt_id={pid}" in html
    assert f'href="/{DB}/outputs/{shown[0]["id"]}"' in html
    # A request without eval outputs has no eval section.
    legal = (await ds.client.get(f"/{DB}/-/lineage/{lab['legal'].request.id}")).text
    assert 'id="eval"' not in legal
