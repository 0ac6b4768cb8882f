"""Tests for alchemy_kit.engine.cluster_eval: `alchemy eval --cluster`, one writer, resumable.

One LocalCluster(processes=True, n_workers=2) serves the module (conftest's dask_processes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
import pytest
from click.testing import CliRunner
from cluster_fakes import count, kill_a_worker_after, prepared, rows, slow_fake_here, wait_idle
from slow_cli import SlowPlugin

from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.cli.main import cli
from alchemy_kit.engine.cluster_eval import EvalTask
from alchemy_kit.engine.evaluate import evaluate
from alchemy_kit.engine.executor import ProviderKeys
from alchemy_kit.store import open_store

distributed = pytest.importorskip("distributed")

SLOW_CLI = Path(__file__).with_name("slow_cli.py")
DELAY = 0.25  # seconds per slow-fake call on a worker


@pytest.fixture(scope="module")
def cluster(dask_processes: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The module's 2 worker processes, with slow-fake on them (its calls counted in a file)."""
    return prepared(dask_processes, DELAY, tmp_path_factory.mktemp("calls") / "calls.txt")


@pytest.fixture
def slow_here() -> Iterator[None]:
    """slow-fake in this process too."""
    with slow_fake_here():
        yield


def make_db(path: Path, n_prompts: int = 2, n_cases: int = 4) -> str:
    """A request with prompts and cases whose assertions pass for some outputs and not others."""
    with open_store(path) as store:
        req = r.Request(input="weather for a child", phases=["coagulatio"])
        prompts = [
            r.Prompt(
                f"Variant {i}: describe {{{{topic}}}} in at most {5 + i} words.",
                "coagulatio",
                "local",
                "m",
                request_id=req.id,
            )
            for i in range(n_prompts)
        ]
        store.add([req], prompts)
        store.add_cases(
            [
                ev.Case(
                    req.id,
                    f"case {i}",
                    vars={"topic": f"day {i} rain"},
                    assertions=[{"type": "icontains", "value": "rain" if i % 2 else "snow"}],
                )
                for i in range(n_cases)
            ]
        )
    return req.id


OUTPUTS = (
    "SELECT prompt_id, case_id, model, text, passed, score, grades, error, input_tokens,"
    " output_tokens FROM outputs ORDER BY 1, 2, 3"
)


def test_cluster_outputs_equal_in_process_ones(tmp_path: Path, cluster: Any) -> None:
    """The offline model on workers: the same outputs, grades and metrics as in-process."""
    here, there = tmp_path / "here.db", tmp_path / "there.db"
    req = make_db(here)
    there.write_bytes(here.read_bytes())
    with open_store(here) as store:
        a = evaluate(store, request=req, models=["alchemy-local"])
    seen: list[str] = []
    with open_store(there) as store:
        b = evaluate(
            store, request=req, models=["alchemy-local"], cluster=cluster, on_dashboard=seen.append
        )
    assert (a.ran, a.failed) == (b.ran, b.failed) == (8, 0)
    assert seen and seen[0].startswith("http")
    assert rows(here, OUTPUTS) == rows(there, OUTPUTS)
    metrics = (
        "SELECT metric_type, count(*), sum(CASE WHEN metric_type = 'time' THEN 0 ELSE value END)"
        " FROM metrics GROUP BY 1 ORDER BY 1"
    )  # latencies differ from run to run; everything else is the same
    assert rows(here, metrics) == rows(there, metrics)


def test_worker_call_records_come_back_and_replay_in_process(
    tmp_path: Path, cluster: Any, slow_here: None
) -> None:
    db = tmp_path / "a.db"
    req = make_db(db, n_prompts=1, n_cases=3)
    with open_store(db) as store:
        res = evaluate(store, request=req, models=["slow-fake"], cluster=cluster)
        assert (res.ran, res.failed, res.mode) == (3, 0, "record")
        calls = rows(
            db, "SELECT key, purpose, response, input_tokens, duration_ms FROM model_calls"
        )
        assert len(calls) == 3 and {c[1] for c in calls} == {"eval"}
        linked = rows(db, "SELECT count(*) FROM outputs JOIN model_calls ON key = call_key")
        assert linked == [(3,)]
        # Replayed here, with no model installed at all: the same outputs from the recording.
        llm.pm.unregister(name="slow-fake-plugin")
        try:
            again = evaluate(store, request=req, models=["slow-fake"], again=True, replay=True)
        finally:
            llm.pm.register(SlowPlugin(), name="slow-fake-plugin")
        assert (again.ran, again.failed, again.mode) == (3, 0, "replay")
    texts = "SELECT run_id, text FROM outputs ORDER BY case_id, created_at"
    by_run: dict[str, list[str]] = {}
    for run_id, text in rows(db, texts):
        by_run.setdefault(run_id, []).append(text)
    first, second = by_run.values()
    assert sorted(first) == sorted(second)


def test_a_replay_asked_on_a_cluster_runs_here_and_says_so(
    tmp_path: Path, cluster: Any, slow_here: None
) -> None:
    db = tmp_path / "a.db"
    req = make_db(db, n_prompts=1, n_cases=2)
    with open_store(db) as store:
        evaluate(store, request=req, models=["slow-fake"])
        res = evaluate(
            store, request=req, models=["slow-fake"], again=True, replay=True, cluster=cluster
        )
    assert res.ran == 2 and any("in-process" in w for w in res.warnings)


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, cluster: Any, slow_here: None
) -> None:
    db = tmp_path / "a.db"
    req = make_db(db, n_prompts=2, n_cases=8)
    killer, killed = kill_a_worker_after(cluster, 2)
    with open_store(db) as store:
        res = evaluate(store, request=req, models=["slow-fake"], cluster=cluster)
    killer.join(5)
    assert killed and res.ran == 16 and res.failed == 0
    per_unit = rows(db, "SELECT count(*) FROM outputs GROUP BY prompt_id, case_id, model")
    assert len(per_unit) == 16 and {n for (n,) in per_unit} == {1}
    assert rows(db, "SELECT count(*) FROM model_calls") == [(16,)]
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests


def test_a_killed_client_resumes_with_only_the_missing_units(tmp_path: Path, cluster: Any) -> None:
    """A real `alchemy eval --cluster` process, SIGKILLed mid-run; the re-run computes the rest."""
    db = tmp_path / "kill.db"
    req = make_db(db, n_prompts=2, n_cases=10)
    address = cluster.scheduler.address
    args = ["eval", "-r", req, "-m", "slow-fake", "-d", str(db), "--json", "--cluster", address]
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), "0.01", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not rows(db, "SELECT count(*) FROM outputs")[0][0]:  # a batch is stored, more in flight
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()  # type: ignore[union-attr]
    before = rows(db, "SELECT count(*) FROM outputs")[0][0]
    assert 0 < before < 20
    wait_idle(cluster)  # the dead client's queued units are released, not computed
    computed = count(cluster.calls)
    with slow_fake_here(), open_store(db) as store:
        res = evaluate(store, request=req, models=["slow-fake"], cluster=cluster)
    assert res.resumed and res.skipped == before and res.ran == 20 - before
    assert count(cluster.calls) - computed == 20 - before  # only the missing units ran
    per_unit = rows(db, "SELECT count(*) FROM outputs GROUP BY prompt_id, case_id, model")
    assert len(per_unit) == 20 and {n for (n,) in per_unit} == {1}
    assert rows(db, "SELECT count(*) FROM metrics WHERE metric_type = 'time'") == [(20,)]


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    req = make_db(db, n_prompts=1, n_cases=1)
    args = ["eval", "-r", req, "-m", "alchemy-local", "-d", str(db), "--cluster"]
    started = time.monotonic()
    result = CliRunner().invoke(cli, [*args, "tcp://127.0.0.1:1"])
    assert time.monotonic() - started < 30  # CONNECT_TIMEOUT is 10 s; refused is immediate
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], result.output


def test_keys_travel_only_to_the_tasks_that_need_them_and_never_show() -> None:
    keys = ProviderKeys({"openai": ("OPENAI_API_KEY", "sk-secret"), "google": ("G", "g-secret")})
    only = keys.only({"openai"})
    assert "secret" not in repr(only) and "openai" in repr(only) and "google" not in repr(only)
    task = EvalTask(
        "run",
        r.Prompt("x", "coagulatio", "local", "m"),
        ev.Case("req", "c"),
        ev_choice(),
        (),
        None,  # type: ignore[arg-type]
        {},
        {},
        {},
        "record",
        only,
    )
    assert "secret" not in repr(task)
    os.environ.pop("OPENAI_API_KEY", None)
    with only.applied():
        assert os.environ["OPENAI_API_KEY"] == "sk-secret"
    assert "OPENAI_API_KEY" not in os.environ  # gone after the task


def ev_choice() -> Any:
    from alchemy_kit.models.catalog import ModelChoice

    return ModelChoice("openai", "gpt-4o-mini")


def test_the_evaluate_tab_shows_progress_and_the_dashboard_on_a_cluster(
    tmp_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbench (headless): $ALCHEMY_CLUSTER sends the run to the workers; the tab's bar
    follows the outputs as they land and the Dask dashboard's link is shown beside it."""
    from alchemy_kit.notebook.workbench import Workbench

    db = tmp_path / "a.db"
    req = make_db(db)
    monkeypatch.setenv("ALCHEMY_CLUSTER", cluster.scheduler.address)
    with open_store(db) as store:
        tab = Workbench(store).evaluate
        tab.select(req)
        seen: list[int] = []
        tab.bar.observe(lambda ch: seen.append(ch["new"]), names="value")
        tab.run_button.click()
        assert not tab.error.message, tab.error.message
        assert tab.result is not None and (tab.result.ran, tab.result.failed) == (8, 0)
        assert seen[-1] == 8 and tab.bar.bar_style == "success"
        assert "8/8 outputs" in tab.bar_note.value
        assert "Dask dashboard" in tab.dashboard.value and "href='http" in tab.dashboard.value
        assert len(store.outputs_of(tab.result.run_id)) == 8


def _count_minilm_loads(dask_worker: Any) -> None:
    """On a worker: count how often MiniLM is loaded from here on (forgetting any loaded one)."""
    from alchemy_kit.search import embeddings

    real = getattr(embeddings._load_minilm, "real", embeddings._load_minilm)

    def counted() -> Any:
        counted.loads += 1  # type: ignore[attr-defined]
        return real()

    counted.loads = 0  # type: ignore[attr-defined]
    counted.real = real  # type: ignore[attr-defined]
    embeddings._load_minilm = counted
    embeddings._embedders.pop(embeddings.DEFAULT_EMBEDDING_MODEL, None)


def _minilm_loads(dask_worker: Any) -> int:
    from alchemy_kit.search import embeddings

    return int(getattr(embeddings._load_minilm, "loads", -1))


def test_minilm_loads_once_per_worker_not_per_task(tmp_path: Path, cluster: Any) -> None:
    """The `similar` grader embeds on the workers: each loads MiniLM once for all its units."""
    from alchemy_kit.errors import EmbeddingError
    from alchemy_kit.search.embeddings import get_embedder

    try:
        get_embedder()
    except EmbeddingError as exc:
        pytest.skip(f"MiniLM unavailable: {exc}")
    db = tmp_path / "a.db"
    req = make_db(db, n_prompts=2, n_cases=0)
    with open_store(db) as store:
        store.add_cases(
            [
                ev.Case(req, f"ref {i}", vars={"topic": f"rain {i}"}, reference="rain")
                for i in range(6)
            ]
        )
    cluster.run(_count_minilm_loads)
    with open_store(db) as store:
        res = evaluate(store, request=req, models=["alchemy-local"], similar=0.1, cluster=cluster)
    assert (res.ran, res.failed) == (12, 0)
    graded = rows(db, "SELECT count(*) FROM metrics WHERE details ->> '$.grader' = 'similar'")
    assert graded == [(12,)]
    loads = cluster.run(_minilm_loads)
    assert sum(loads.values()) >= 1 and max(loads.values()) <= 1, loads
