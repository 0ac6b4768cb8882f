"""Record and replay every model call: the `model_calls` table, keyed by what was asked.

Every completion goes through `providers.acomplete`, which asks this module first. A recorder is
attached to the current context (a contextvar, so it follows asyncio tasks and `run_sync`) by the
entry points that own a store: generation, the judge, eval runs, case suggestion and the optimise
loop. Modes:
- `record` (the default): call the model, then store the call (model, exact messages, options,
  seed, the reply, tokens, cost) under key = sha256 of (provider, model, messages, options, seed).
  Recording a key again replaces it: the newest reply wins.
- `replay` (`--replay`, or ALCHEMY_REPLAY=1 in the environment): serve every call from the
  recording. Nothing touches the network and no key is needed; a call that was never recorded is
  one ReplayMissError line naming it, never a live call.
- `off` (`--no-record`): call the model, store nothing.
The offline template model `alchemy-local` is deterministic and in-process: it is never recorded and
runs as itself under replay. Failed calls are not recorded. A store (the sink) provides
`_get_call(key)` and `_put_calls(calls)`; a buffered recorder holds calls until the one writer of an
eval run drains them into the same transaction as the outputs they produced.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ReplayMissError, ValidationError
from ..records_eval import CALL_PURPOSES, ModelCall
from .catalog import DEFAULT_MODELS, ModelChoice, price_for

if TYPE_CHECKING:
    from .providers import Completion

MODES = ("record", "replay", "off")
ENV_VAR = "ALCHEMY_REPLAY"


class CallSink(Protocol):
    """Where recorded calls live (the Store implements it; plumbing, hence the private names)."""

    def _get_call(self, key: str) -> ModelCall | None:
        """The recorded call with this key, or None."""
        ...

    def _get_calls(self, keys: Sequence[str]) -> dict[str, ModelCall]:
        """The recorded calls among `keys`, by key."""
        ...

    def _put_calls(self, calls: Sequence[ModelCall]) -> None:
        """Store calls, replacing any with the same key."""
        ...


@dataclass
class Recorder:
    """The recording in force for a context: where calls go, and whether they are served from it."""

    sink: CallSink
    mode: str = "record"
    prices: dict[str, Any] | None = None
    buffered: bool = False
    cache: dict[str, ModelCall] = field(default_factory=dict)  # calls preloaded for a replay
    _pending: list[ModelCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def save(self, call: ModelCall) -> None:
        """Keep one call: now, or at the next drain() when buffered."""
        if self.buffered:
            with self._lock:
                self._pending.append(call)
        else:
            self.sink._put_calls([call])

    def drain(self) -> list[ModelCall]:
        """The calls waiting to be written (a buffered recorder's writer stores them)."""
        with self._lock:
            out, self._pending = self._pending, []
        return out


@dataclass(frozen=True)
class Call:
    """What a completion asked, in the form that is hashed into its key."""

    choice: ModelChoice
    messages: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, Any], ...]
    seed: int | None
    unit: str | None = None  # the eval unit (prompt and case) the call belongs to, if any

    @classmethod
    def of(
        cls,
        choice: ModelChoice,
        prompt: str,
        system: str | None,
        temperature: float | None,
        max_tokens: int | None,
        seed: int | None,
        model_options: dict[str, Any] | None,
    ) -> Call:
        """The call a completion with these arguments makes."""
        messages = ((("system", system),) if system is not None else ()) + (("user", prompt),)
        opts = {"temperature": temperature, "max_tokens": max_tokens, **(model_options or {})}
        options = tuple(sorted((k, v) for k, v in opts.items() if v is not None))
        return cls(choice, messages, options, seed, _UNIT.get())

    @cached_property  # frozen dataclass: cached_property writes __dict__ directly
    def key(self) -> str:
        """sha256 of (provider, model, messages, options, seed[, unit]) as canonical JSON.

        Calls made for an eval unit also key on it, so two cases with the same input replay as
        themselves even when a sampling model answered them differently.
        """
        what: list[Any] = [self.choice.provider, self.choice.model_id, self.messages, self.options]
        what += [self.seed] if self.unit is None else [self.seed, self.unit]
        body = json.dumps(what, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()

    def describe(self) -> str:
        """The call in one line: purpose, model, label and the start of the last message."""
        text = " ".join(self.messages[-1][1].split())
        text = text if len(text) <= 50 else text[:49] + "…"
        label = _LABEL.get()
        where = f" for {label}" if label else ""
        return (
            f"{_PURPOSE.get()} call to {self.choice.provider}/{self.choice.model_id}{where}"
            f" ({text!r}, key {self.key[:12]})"
        )


_ACTIVE: ContextVar[Recorder | None] = ContextVar("alchemy_recorder", default=None)
_PURPOSE: ContextVar[str] = ContextVar("alchemy_call_purpose", default="other")
_LABEL: ContextVar[str | None] = ContextVar("alchemy_call_label", default=None)
_UNIT: ContextVar[str | None] = ContextVar("alchemy_call_unit", default=None)


def replay_requested() -> bool:
    """True when ALCHEMY_REPLAY asks for replay (1, true, yes or on)."""
    return os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


def resolve_mode(replay: bool | None = None, record: bool | None = None) -> str:
    """The mode from explicit flags, else the environment: replay, else record."""
    if replay or (replay is None and replay_requested()):
        return "replay"
    return "off" if record is False else "record"


def check_mode(mode: str) -> str:
    """Return `mode` if it is one of MODES."""
    if mode not in MODES:
        raise ValidationError(
            f"unknown recording mode {mode!r}: expected one of {', '.join(MODES)}"
        )
    return mode


def active() -> Recorder | None:
    """The recorder attached to this context, if any."""
    return _ACTIVE.get()


def attach(
    sink: CallSink,
    *,
    mode: str | None = None,
    prices: dict[str, Any] | None = None,
    purpose: str | None = None,
) -> None:
    """Record this context's calls into `sink` unless a recorder for it is already attached.

    It stays attached for the rest of the calling context (a task, or a `run_sync` call);
    `purpose` tags the calls made there unless a block says otherwise.
    """
    if purpose is not None:
        if purpose not in CALL_PURPOSES:
            raise ValidationError(f"unknown call purpose {purpose!r}")
        _PURPOSE.set(purpose)
    current = _ACTIVE.get()
    if current is not None and current.sink is sink and mode in (None, current.mode):
        return
    _ACTIVE.set(Recorder(sink, check_mode(mode or resolve_mode()), prices))


@contextmanager
def use(
    sink: CallSink,
    *,
    mode: str | None = None,
    prices: dict[str, Any] | None = None,
    buffered: bool = False,
) -> Iterator[Recorder]:
    """Attach a recorder for the duration of a block (an eval run uses a buffered one)."""
    rec = Recorder(sink, check_mode(mode or resolve_mode()), prices, buffered)
    token = _ACTIVE.set(rec)
    try:
        yield rec
    finally:
        _ACTIVE.reset(token)


@contextmanager
def purpose(name: str, label: str | None = None, unit: str | None = None) -> Iterator[None]:
    """Tag the calls made inside the block (model_calls.purpose; a replay miss names the label).

    `label` and `unit` stay the enclosing block's when not given; `unit` joins the key.
    """
    if name not in CALL_PURPOSES:
        raise ValidationError(f"unknown call purpose {name!r}")
    t1 = _PURPOSE.set(name)
    t2 = _LABEL.set(label if label is not None else _LABEL.get())
    t3 = _UNIT.set(unit if unit is not None else _UNIT.get())
    try:
        yield
    finally:
        _UNIT.reset(t3)
        _LABEL.reset(t2)
        _PURPOSE.reset(t1)


def exempt(choice: ModelChoice) -> bool:
    """True for the offline template model: deterministic and in-process, never recorded."""
    return choice.provider == "local" and choice.model_id == DEFAULT_MODELS["local"]


def replayed(call: Call) -> ModelCall | None:
    """The recorded answer when replaying (a missing one raises ReplayMissError); else None."""
    if exempt(call.choice):
        return None
    rec = _ACTIVE.get()
    if rec is None:
        if replay_requested():
            raise ReplayMissError(
                f"replay ({ENV_VAR}=1) needs a store holding a recording; {call.describe()}"
                " was made outside one"
            )
        return None
    if rec.mode != "replay":
        return None
    found = rec.cache.get(call.key) or rec.sink._get_call(call.key)
    if found is None:
        raise ReplayMissError(
            f"replay: no recording of the {call.describe()}; run it once without --replay to"
            " record it"
        )
    return found


def record(call: Call, done: Completion) -> str | None:
    """Store a finished call when a recorder in record mode is attached; return its key."""
    rec = _ACTIVE.get()
    if rec is None or rec.mode != "record" or exempt(call.choice):
        return None
    price = price_for(call.choice.model_id, rec.prices)
    if price is None and call.choice.provider == "local":
        price = (0.0, 0.0)
    cost = (done.input_tokens * price[0] + done.output_tokens * price[1]) / 1e6 if price else None
    key = call.key
    rec.save(
        ModelCall(
            key=key,
            provider=call.choice.provider,
            model=call.choice.model_id,
            messages=[{"role": role, "content": content} for role, content in call.messages],
            response=done.text,
            options=dict(call.options),
            seed=call.seed,
            purpose=_PURPOSE.get(),
            resolved_model=done.model,
            input_tokens=done.input_tokens or None,
            output_tokens=done.output_tokens or None,
            tokens_estimated=done.tokens_estimated,
            cost_usd=cost,
            duration_ms=max(0, done.duration_ms),
        )
    )
    return key


__all__ = [
    "ENV_VAR",
    "MODES",
    "Call",
    "CallSink",
    "Recorder",
    "active",
    "attach",
    "check_mode",
    "exempt",
    "purpose",
    "record",
    "replay_requested",
    "replayed",
    "resolve_mode",
    "use",
]
