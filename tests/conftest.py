"""Hermetic fixtures: temporary HOME, IPYTHONDIR and LLM_USER_PATH, a database per test, no network."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator

# Must precede any plugin import: llm reads LLM_USER_PATH lazily, but some plugins cache paths at
# import. HOME and IPYTHONDIR too, so nothing (IPython's history.sqlite, ~/.config) reaches the real
# home, and our own small caches (model file digests) likewise. One session folder holds them all
# and is removed when the session ends. Under pytest-xdist every worker is a process of its own
# that imports this file, so each gets its own folder; only the cache is shared (below).
_SESSION_DIR = tempfile.mkdtemp(prefix="alchemy-tests-")
# The controller's cache folder, which xdist workers inherit through the environment: the labelled
# pairs' feature rows that test_learn computes are then found by notebook 02's kernel on the other
# worker too. Cache files are written then renamed, so two workers may share it; the controller
# removes it after its workers have stopped.
_SHARED_CACHE = "ALCHEMY_TESTS_SHARED_CACHE"
_shared_cache = os.environ.get(_SHARED_CACHE) if os.environ.get("PYTEST_XDIST_WORKER") else None
for _var, _sub in (
    ("LLM_USER_PATH", "llm"),
    ("HOME", "home"),
    ("IPYTHONDIR", "ipython"),
    ("ALCHEMY_CACHE_DIR", "cache"),
    ("DASK_TEMPORARY_DIRECTORY", "dask"),  # Dask's scratch space, else /tmp/dask-scratch-space
):
    os.environ[_var] = os.path.join(_SESSION_DIR, _sub)
    if _var == "ALCHEMY_CACHE_DIR" and _shared_cache and os.path.isdir(_shared_cache):
        os.environ[_var] = _shared_cache
    os.makedirs(os.environ[_var], exist_ok=True)
os.environ[_SHARED_CACHE] = os.environ["ALCHEMY_CACHE_DIR"]
os.environ.pop("ALCHEMY_DB", None)

import pytest  # noqa: E402  (after the environment is set)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the session's temporary home, IPython and llm folders."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


_KEY_VARS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "LLM_GEMINI_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_KEY",
    "OLLAMA_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
    "ALCHEMY_DB",
)


@pytest.fixture(autouse=True)
def isolated_llm(tmp_path, monkeypatch):
    """Give each test its own LLM_USER_PATH and strip provider keys from the environment."""
    user_path = tmp_path / "llm-user"
    user_path.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(user_path))
    # The per-user default database (store/location.py) lands in the test's own folder.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    for var in _KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    try:
        import llm_ollama.registry  # type: ignore[import-not-found]

        # Without this every llm.get_model() GETs 127.0.0.1:11434/api/tags.
        monkeypatch.setattr(llm_ollama.registry, "get_ollama_models", lambda: [])
    except ImportError:
        pass
    yield user_path


@pytest.fixture(autouse=True)
def restore_plugin_attributes() -> Iterator[None]:
    """Undo what a test (or code under test) patched on plugin modules, e.g. llm_anthropic's client."""
    try:
        import llm_anthropic  # type: ignore[import-not-found]
    except ImportError:
        yield
        return
    saved = {name: getattr(llm_anthropic, name) for name in ("Anthropic", "AsyncAnthropic")}
    yield
    for name, value in saved.items():
        setattr(llm_anthropic, name, value)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that tries to open a real non-loopback socket."""
    real_connect = socket.socket.connect

    def guarded(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            return real_connect(self, address)
        raise RuntimeError(f"network access attempted in a test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture
def db_path(tmp_path):
    """A path for a fresh temporary database file."""
    return tmp_path / "alchemy.db"


@pytest.fixture(scope="session")
def record_failed_request():
    """A function storing a request whose one phase run failed, as a provider outage leaves it."""
    import alchemy_kit as ak

    def record(store, error: str = "provider error: connection refused"):  # type: ignore[no-untyped-def]
        failed = ak.Request(input="an idea whose provider was down", phases=["prima-materia"])
        run = ak.PhaseRun(
            request_id=failed.id, phase="prima-materia", provider="openai", model="gpt-4o-mini"
        )
        store.add([failed], [run])
        run.started_at = run.completed_at = failed.created_at
        run.status, run.error_message = "failed", error
        store._update_phase_run(run)
        store._set_request_status(failed.id, "failed")
        return failed, run

    return record


@pytest.fixture
def minilm_prompts():
    """Store texts as prompts embedded with MiniLM (the test is skipped if it cannot load)."""
    from alchemy_kit import records as r
    from alchemy_kit.errors import EmbeddingError
    from alchemy_kit.search.vectors import embed_prompts

    def add(store, texts):
        prompts = [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts]
        store.add_prompts(prompts)
        try:
            embed_prompts(store, prompts)
        except EmbeddingError as exc:
            pytest.skip(f"MiniLM unavailable: {exc}")
        return prompts

    return add


# -- `make check`: the fast inner loop -----------------------------------------------------------
# `make check` runs `pytest -m "not slow"`; `make test` runs everything. These modules and tests are
# marked slow here, in one place, from a `--durations=0` run (each took over a second on a busy
# 2-core machine): whole modules that re-run notebooks, drive a browser, featurise the labelled
# pairs, send signals to child processes or fill a store per module, and the slowest single tests.
SLOW_MODULES = {
    "test_analytics",
    "test_architecture",
    "test_batch",
    "test_browser_check",
    "test_charts",
    "test_cluster_batch",  # these three: Dask LocalClusters take seconds to start, and the
    "test_cluster_embed",  # kill and unreachable-scheduler tests wait out their timeouts
    "test_cluster_eval",
    "test_datasette_browser",
    "test_datasette_serve",
    "test_fusion",
    "test_learn",
    "test_lifecycle",
    "test_metadata",
    "test_notebooks",
    "test_plugins",
    "test_rank",
    "test_readme",
    "test_widgets",
}
SLOW_TESTS = {
    "test_executor": {
        "test_cluster_map_is_bounded_and_lazy",
        "test_failing_tasks_are_retried",
        "test_a_task_failing_every_retry_raises",
        "test_import_alchemy_kit_does_not_import_dask",
    },
    "test_records": {
        "test_a_finished_request_built_in_one_call_never_ends_before_it_began",
    },
    "test_evaluate": {
        "test_kill_9_mid_run_then_resume_leaves_every_output_exactly_once",
    },
    "test_docs": {
        "test_architecture_lists_every_module",
        "test_tools_the_package_never_imports_are_extras",
    },
    "test_datasette_vectors": {
        "test_server_memory_comes_back_after_crafted_requests",
    },
    "test_cases": {
        "test_a_model_suggests_and_bad_items_are_reported",
    },
    "test_cli": {
        "test_a_cold_semantic_search_does_not_import_scikit_learn",
        "test_batch_and_models",
        "test_errors_are_one_line_and_nothing_is_written",
        "test_generate_inspect_export_import",
        "test_judge_without_a_key_says_so",
    },
    "test_connect": {
        "test_a_full_database_rolls_back_and_says_so",
        "test_processes_opening_a_new_file_at_once_all_succeed",
    },
    "test_datasette": {
        "test_every_table_page_and_facet",
        "test_no_key_from_the_environment_on_any_page",
    },
    "test_digests": {"test_minilm_load_uses_the_cached_digest"},
    "test_embeddings": {"test_paraphrase_top1_accuracy"},
    "test_local_model": {"test_llm_cli_path"},
    "test_local_render": {"test_pipeline_variants_follow_their_strategies", "test_siblings_differ"},
    "test_pipeline": {
        "test_best_of_previous_chain",
        "test_on_progress_reports_each_phase_s_variants",
        "test_real_openai_plugin_phase_failure_keeps_earlier_prompts",
        "test_same_seed_reproducible_and_variants_distinct",
    },
    "test_providers": {
        "test_key_precedence_explicit_then_keys_json_then_env",
        "test_timeout_is_retried_then_transient",
    },
    "test_reads": {"test_pandas_values_still_insert_through_sqlite_utils_after_import"},
    "test_store": {"test_two_processes_write_concurrently"},
    "test_terminal": {"test_no_command_prints_a_raw_control_character"},
    "test_transfer": {
        "test_duckdb_reads_every_exported_table",
        "test_pandas_and_duckdb_read_the_output_directly",
        "test_tampered_import_changes_not_one_byte",
    },
    "test_vector_index": {"test_changed_private_api_falls_back_and_logs_once"},
}


# -- pytest-xdist: `make test` and `make check` run on two worker processes ----------------------
# Whole modules go to a worker (`--dist loadscope`), longest first; tests/xdist_modules.py says how.
def pytest_configure(config: pytest.Config) -> None:
    """Use our module scheduler when pytest-xdist is installed."""
    if config.pluginmanager.hasplugin("xdist"):
        import xdist_modules

        config.pluginmanager.register(xdist_modules.Plugin(), "alchemy-xdist-modules")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow modules and tests above (`-m "not slow"` leaves them out); under xdist, put
    the longest modules first."""
    for item in items:
        module = item.path.stem
        name = getattr(item, "originalname", item.name)
        if module in SLOW_MODULES or name in SLOW_TESTS.get(module, ()):
            item.add_marker(pytest.mark.slow)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import xdist_modules

        xdist_modules.order(items, SLOW_MODULES)


def _dask_client(tmp_path_factory: pytest.TempPathFactory, processes: bool) -> Iterator[object]:
    """A 2-worker LocalCluster and its client; scratch files stay in the test's tmp dir."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",
        local_directory=str(tmp_path_factory.mktemp("dask")),  # not /tmp/dask-scratch-space
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def dask_threads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One in-process LocalCluster (worker threads) per test module: starting one costs seconds."""
    yield from _dask_client(tmp_path_factory, processes=False)


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """LocalCluster(processes=True, n_workers=2), as `--cluster local:2` starts, per test module."""
    yield from _dask_client(tmp_path_factory, processes=True)
