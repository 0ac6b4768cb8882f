"""Running a GGUF chat model in-process through xllamacpp: one quiet server per file, and a
streamed generation that stops early when the text starts to loop.

xllamacpp wraps llama.cpp's server. Facts checked against xllamacpp 2026.10.11549:
- Every log line goes to the terminal unless `CommonParams.verbosity` is lowered before the
  server starts; 0 prints nothing, 1 prints errors only. `ALCHEMY_LLAMA_LOG` chooses (see
  `log_verbosity`); by default nothing is printed and a failed load says how to see the log.
- The server also listens on a random 127.0.0.1 port. We set a random API key, so another local
  process cannot use it; our calls go straight to the handlers and need none.
- `handle_chat_completions(request, callback)` streams: the callback gets each chunk and returning
  True ends the generation at once (the slot is free for the next call immediately).
- Threads: with two threads on a 2-core machine that is busy with anything else, llama.cpp's
  threads wait on each other and generation fell from 36 to 1-2 tokens/s (measured under load
  12); we use half the cores (at least 1, at most 4) unless `ALCHEMY_SMOLLM_THREADS` says otherwise.
- With a seed the output is reproducible only without the prompt cache: a second identical call
  that read its prompt prefix from the cache gave another text (smollm.py turns the cache off).
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .inprocess import should_stop
from .smollm_loops import Loop, LoopDetector

LOG_ENV = "ALCHEMY_LLAMA_LOG"
THREADS_ENV = "ALCHEMY_SMOLLM_THREADS"
_LOG_LEVELS = {"off": 0, "none": 0, "error": 1, "warn": 2, "warning": 2, "info": 3, "debug": 4}


class RuntimeFailure(Exception):
    """The binding is missing, the file cannot be loaded, or the server answered an error."""


def log_verbosity() -> int:
    """llama.cpp's log threshold from $ALCHEMY_LLAMA_LOG: unset/0/off → 0 (silent), 1/info → 3.

    Also accepted: error (1), warn (2), debug (4), or a number 0-4.
    """
    raw = os.environ.get(LOG_ENV, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return 0
    if raw in _LOG_LEVELS:
        return _LOG_LEVELS[raw]
    if raw.isdigit():
        return 3 if raw == "1" else min(int(raw), 4)
    return 3  # any other value still asks for the log


def thread_count() -> int:
    """Threads for llama.cpp: $ALCHEMY_SMOLLM_THREADS, else half the usable cores (1 to 4)."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores // 2))


_servers: dict[tuple[str, int], Any] = {}
_lock = threading.Lock()


def server_for(path: Path, context: int) -> Any:
    """Load the model once per (file, context) and process (about 1 s); the server is thread-safe."""
    key = (str(path), context)
    with _lock:
        server = _servers.get(key)
        if server is None:
            server = _servers[key] = _start(path, context)
    return server


def drop_server(path: Path, context: int) -> None:
    """Forget a loaded server (it stops when the last reference goes), e.g. to change threads."""
    with _lock:
        _servers.pop((str(path), context), None)


def _start(path: Path, context: int) -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise RuntimeFailure(f"xllamacpp is not installed ({exc}): run `make smollm`") from None
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = context
    params.n_parallel = 1  # one sequence at a time: batching others beside it could change output
    params.warmup = False
    params.verbosity = log_verbosity()
    params.api_keys = [secrets.token_urlsafe(24)]  # the HTTP listener answers nobody else
    threads = thread_count()
    for cpu in (params.cpuparams, params.cpuparams_batch):
        cpu.n_threads = threads
        cpu.poll = 0  # sleep rather than spin while waiting: other work shares these cores
    try:
        return xllamacpp.Server(params)
    except RuntimeError as exc:
        hint = "" if params.verbosity else f"; set {LOG_ENV}=1 to see llama.cpp's log"
        raise RuntimeFailure(f"llama.cpp could not load {path} ({exc}){hint}") from None


@dataclass
class Generation:
    """One streamed chat completion: its text, why it ended, tokens and llama.cpp's timings."""

    text: str = ""
    finish: str | None = None  # stop | length | loop | stopped (timed out or cancelled)
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    loop: Loop | None = None
    error: Any = None


def generate(server: Any, request: dict[str, Any], *, detect_loops: bool = True) -> Generation:
    """Stream a chat completion; with `detect_loops`, end it where the text starts to repeat.

    Between tokens it asks inprocess.should_stop(): a call that timed out or was cancelled ends
    at once (RuntimeFailure) instead of generating on in a thread nobody waits for.
    """
    out = Generation()
    pieces: list[str] = []
    detector = LoopDetector() if detect_loops else None

    def on_chunk(chunk: Any) -> bool:
        # Runs inside the binding, which swallows exceptions: record, never raise.
        if not isinstance(chunk, dict) or "error" in chunk or "choices" not in chunk:
            out.error = chunk.get("error", chunk) if isinstance(chunk, dict) else chunk
            return True
        if should_stop():
            out.finish = "stopped"
            return True
        if chunk.get("timings"):
            out.timings = chunk["timings"]
        if chunk.get("usage"):
            out.prompt_tokens = chunk["usage"].get("prompt_tokens")
            out.output_tokens = chunk["usage"].get("completion_tokens")
        for choice in chunk["choices"]:
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                pieces.append(piece)
                if detector is not None and detector.feed(piece) is not None:
                    out.loop, out.finish = detector.loop, "loop"
                    return True
            if choice.get("finish_reason"):
                out.finish = choice["finish_reason"]
        return False

    streamed = {
        **request,
        "stream": True,
        "stream_options": {"include_usage": True},
        "timings_per_token": True,  # token counts arrive even when we stop early
    }
    server.handle_chat_completions(streamed, on_chunk)
    if out.error is not None:
        raise RuntimeFailure(f"generation failed: {out.error}")
    if out.finish == "stopped":
        raise RuntimeFailure("generation stopped: the call timed out or was cancelled")
    text = "".join(pieces)
    if out.loop is not None:
        text = text[: out.loop.cut]
    out.text = text.rstrip() if out.loop is not None else text
    if out.output_tokens is None and out.timings:
        out.prompt_tokens = out.timings.get("prompt_n", 0) + out.timings.get("cache_n", 0)
        out.output_tokens = out.timings.get("predicted_n")
    return out


__all__ = [
    "LOG_ENV",
    "THREADS_ENV",
    "Generation",
    "RuntimeFailure",
    "drop_server",
    "generate",
    "log_verbosity",
    "server_for",
    "thread_count",
]
