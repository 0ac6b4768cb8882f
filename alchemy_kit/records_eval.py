"""Rows of the evaluation tables (migration m007): test cases, eval runs, outputs, recorded model calls.

Kept beside `records.py` (same conventions: plain dataclasses, JSON columns as Python values, the
value checks mirrored by CHECK constraints in SQL) so that module stays small. Importing this module
registers the records' timestamp columns and checks with `records.validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import ValidationError
from .records import (
    TIMESTAMP_FIELDS,
    VALIDATORS,
    Row,
    check_enum,
    check_positive_int,
    check_range,
    check_uuid,
    new_id,
    now,
)
from .vocab import PROVIDERS, SCORE_RANGE, STATUSES

# Where a case came from: a file, a model's suggestion, the notebook workbench, or Python/CLI.
CASE_SOURCES: tuple[str, ...] = ("import", "suggest", "workbench", "api")
# Why a model was called (model_calls.purpose): the phases' generation, a judge, an eval output,
# a case suggestion, the optimise loop's rewriting model, anything else.
CALL_PURPOSES: tuple[str, ...] = ("generate", "judge", "eval", "suggest", "optimize", "other")
MAX_CASE_NAME = 200
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Case(Row):
    """A row of `cases`: one input a request's prompts are run on, with what its output must satisfy.

    `vars` are the values the prompt is applied to, `assertions` a promptfoo-style list of
    `{"type": ..., "value": ..., "threshold": ...}` checks, `reference` an optional ideal output.
    """

    request_id: str
    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    assertions: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str = "api"
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    json_fields: ClassVar[tuple[str, ...]] = ("vars", "assertions", "tags", "metadata")


@dataclass
class EvalRun(Row):
    """A row of `eval_runs`: prompts × cases × models run together, resumable by its signature."""

    signature: str
    prompt_ids: list[str]
    case_ids: list[str]
    models: list[dict[str, str]]  # [{"provider": ..., "model": ...}]
    request_id: str | None = None
    graders: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    status: str = "pending"
    error: str | None = None
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    started_at: str | None = None
    completed_at: str | None = None
    json_fields: ClassVar[tuple[str, ...]] = (
        "prompt_ids",
        "case_ids",
        "models",
        "graders",
        "options",
    )


@dataclass
class Output(Row):
    """A row of `outputs`: what one model wrote for one prompt applied to one case, and its grades.

    Exactly one of `text` and `error` is set: a failed call is stored with its reason. `passed`
    (every grader passed) and `score` (the mean grade, 0..1) summarise `grades`, the per-grader
    verdicts; each verdict is also a `quality` metric of the prompt (details.source "eval").
    """

    run_id: str
    prompt_id: str
    case_id: str
    provider: str
    model: str
    text: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int = 0
    cost_usd: float | None = None
    error: str | None = None
    passed: bool | None = None
    score: float | None = None
    grades: list[dict[str, Any]] = field(default_factory=list)
    call_key: str | None = None
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    json_fields: ClassVar[tuple[str, ...]] = ("grades",)


@dataclass
class ModelCall(Row):
    """A row of `model_calls`: one recorded model call, keyed by what was asked, for replay."""

    key: str
    provider: str
    model: str
    messages: list[dict[str, str]]
    response: str
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    purpose: str = "other"
    resolved_model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_estimated: bool = False
    cost_usd: float | None = None
    duration_ms: int = 0
    created_at: str = field(default_factory=now)
    json_fields: ClassVar[tuple[str, ...]] = ("messages", "options")


def outcome(passed: Any, error: Any) -> str:
    """An output's outcome: passed, failed, call failed or not graded (one word for every surface)."""
    if error is not None:
        return "call failed"
    if passed is None:
        return "not graded"
    return "passed" if passed else "failed"


def _check_case(rec: Case) -> None:
    check_uuid(rec.id, "case id")
    check_uuid(rec.request_id, "request_id")
    if not isinstance(rec.name, str) or not 1 <= len(rec.name.strip()) <= MAX_CASE_NAME:
        raise ValidationError(f"a case name must be 1-{MAX_CASE_NAME} characters, got {rec.name!r}")
    rec.name = rec.name.strip()
    if not isinstance(rec.vars, dict):
        raise ValidationError(f"case vars must be an object, got {type(rec.vars).__name__}")
    if not isinstance(rec.assertions, list) or not all(isinstance(a, dict) for a in rec.assertions):
        raise ValidationError("case assertions must be a list of objects")
    if rec.reference is not None and not isinstance(rec.reference, str):
        raise ValidationError("a case reference must be text")
    if not isinstance(rec.tags, list) or not all(isinstance(t, str) for t in rec.tags):
        raise ValidationError("case tags must be a list of strings")
    check_enum(rec.source, CASE_SOURCES, "case source")


def _check_run(rec: EvalRun) -> None:
    check_uuid(rec.id, "run id")
    if rec.request_id is not None:
        check_uuid(rec.request_id, "request_id")
    if not _KEY_RE.match(rec.signature or ""):
        raise ValidationError("a run signature must be a sha256 hex digest")
    if not rec.models:
        raise ValidationError("a run needs at least one model")
    check_enum(rec.status, STATUSES, "run status")


def _check_output(rec: Output) -> None:
    check_uuid(rec.id, "output id")
    for name in ("run_id", "prompt_id", "case_id"):
        check_uuid(getattr(rec, name), name)
    check_enum(rec.provider, PROVIDERS, "provider")
    if (rec.text is None) == (rec.error is None):
        raise ValidationError("an output has either text or an error, not both or neither")
    check_positive_int(rec.input_tokens, "input_tokens")
    check_positive_int(rec.output_tokens, "output_tokens")
    check_range(rec.score, *SCORE_RANGE, "output score")
    if rec.passed is not None:
        rec.passed = bool(rec.passed)
    if rec.call_key is not None and not _KEY_RE.match(rec.call_key):
        raise ValidationError("call_key must be a sha256 hex digest")


def _check_call(rec: ModelCall) -> None:
    if not isinstance(rec.key, str) or not _KEY_RE.match(rec.key):
        raise ValidationError("a model call key must be a sha256 hex digest")
    check_enum(rec.provider, PROVIDERS, "provider")
    check_enum(rec.purpose, CALL_PURPOSES, "call purpose")
    if not rec.messages:
        raise ValidationError("a model call has at least one message")
    check_positive_int(rec.input_tokens, "input_tokens")
    check_positive_int(rec.output_tokens, "output_tokens")
    rec.tokens_estimated = bool(rec.tokens_estimated)


TIMESTAMP_FIELDS.update(
    {
        Case: ("created_at",),
        EvalRun: ("created_at", "started_at", "completed_at"),
        Output: ("created_at",),
        ModelCall: ("created_at",),
    }
)
VALIDATORS.update(
    {Case: _check_case, EvalRun: _check_run, Output: _check_output, ModelCall: _check_call}
)

__all__ = [
    "CALL_PURPOSES",
    "CASE_SOURCES",
    "Case",
    "EvalRun",
    "ModelCall",
    "Output",
    "outcome",
]
