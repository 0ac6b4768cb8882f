"""Test-case assertions in promptfoo's format, checked before any call, and the deterministic ones run.

An assertion is `{"type": ..., "value": ..., "threshold": ..., "weight": ...}`; any type takes a
`not-` prefix that inverts it (promptfoo's rule). String values may use the case's `{{var}}`s.

Supported types (docs/evaluation.md has examples):
- text: `equals`, `contains`, `icontains`, `contains-any`, `icontains-any`, `contains-all`,
  `icontains-all`, `starts-with`, `regex` (Python `re` syntax), `levenshtein` (value, threshold =
  the largest edit distance allowed, default 5);
- JSON: `is-json` (the whole output parses; `value` may be a JSON Schema), `contains-json` (a JSON
  object or array somewhere in the output; optional schema), checked with the `jsonschema` package;
- length: `word-count` (value n for exactly n, or {"min": a, "max": b}), `max-words`, `min-words`,
  `max-chars`, `min-chars`, `max-lines`, `min-lines`;
- accounting: `cost` (threshold in USD per call), `latency` (threshold in ms);
- model-graded (scoring/graders.py runs them): `similar` (MiniLM cosine with `value` or the case's
  reference, threshold default 0.75) and `llm-rubric` (a judge grades the output against `value`).
Types that run code (`javascript`, `python`, `webhook`, ...) and the rest of promptfoo's list are
refused with one line naming the supported ones.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ..placeholders import fill
from ..records import json_too_deep

TEXT_TYPES = (
    "equals",
    "contains",
    "icontains",
    "contains-any",
    "icontains-any",
    "contains-all",
    "icontains-all",
    "starts-with",
    "regex",
    "levenshtein",
)
JSON_TYPES = ("is-json", "contains-json")
LENGTH_TYPES = (
    "word-count",
    "max-words",
    "min-words",
    "max-chars",
    "min-chars",
    "max-lines",
    "min-lines",
)
ACCOUNTING_TYPES = ("cost", "latency")
MODEL_TYPES = ("similar", "llm-rubric")
SUPPORTED = TEXT_TYPES + JSON_TYPES + LENGTH_TYPES + ACCOUNTING_TYPES + MODEL_TYPES
RUNS_CODE = ("javascript", "python", "webhook", "ruby")
DEFAULT_SIMILARITY = 0.75
DEFAULT_LEVENSHTEIN = 5
_KEYS = {"type", "value", "threshold", "weight", "metric", "provider", "transform"}


@dataclass
class Grade:
    """One grader's verdict on one output.

    `passed` is None when the grader did not grade: no judge ran, or its reply could not be read
    (then `error` says why). A None is never counted as a pass.
    """

    grader: str
    passed: bool | None
    score: float | None
    reason: str
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The verdict as stored in `outputs.grades` and in the quality metric's details."""
        out = {"grader": self.grader, "passed": self.passed, "score": self.score}
        out["reason"] = self.reason
        if self.error:
            out["error"] = self.error
        return out | self.details


@dataclass(frozen=True)
class Assertion:
    """A checked assertion: its type without `not-`, whether it is inverted, and its settings."""

    type: str
    negate: bool = False
    value: Any = None
    threshold: float | None = None
    weight: float = 1.0

    @property
    def name(self) -> str:
        """The type as written, `not-` included."""
        return ("not-" if self.negate else "") + self.type

    def as_dict(self) -> dict[str, Any]:
        """Back to promptfoo's form (what a case stores)."""
        out: dict[str, Any] = {"type": self.name}
        if self.value is not None:
            out["value"] = self.value
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.weight != 1.0:
            out["weight"] = self.weight
        return out


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _number(value: Any, what: str, *, integer: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (integer and int(value) != value):
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise ValidationError(f"{what} must be {kind}, got {_show(value)}")
    return float(value)


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        # promptfoo accepts a comma-separated string for the -any/-all forms.
        parts = [p.strip() for p in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise ValidationError(f"{what} needs a string or a list of strings, got {_show(value)}")
    if not [p for p in parts if p]:
        raise ValidationError(f"{what} needs at least one non-empty string")
    return parts


def _schema(value: Any, what: str) -> None:
    if value is None:
        return
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError(f"{what}: the value is not a JSON Schema (not JSON)") from None
        except RecursionError:
            raise ValidationError(f"{what}: the JSON Schema is nested too deep") from None
    if json_too_deep(value):
        raise ValidationError(f"{what}: the JSON Schema is nested too deep")
    if not isinstance(value, dict | bool):
        raise ValidationError(f"{what}: a JSON Schema is an object, got {_show(value)}")
    from jsonschema import exceptions, validators  # lazily: it loads its metaschemas

    try:
        validators.validator_for(value).check_schema(value)
    except exceptions.SchemaError as exc:
        raise ValidationError(f"{what}: invalid JSON Schema: {exc.message}") from None


def parse_assertion(spec: Any, where: str = "assertion") -> Assertion:
    """Check one assertion and return it; anything unusable is one ValidationError line."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        raise ValidationError(f"{where} must be an object with a `type`, got {_show(spec)}")
    kind = spec.get("type")
    if not isinstance(kind, str) or not kind:
        raise ValidationError(f"{where} has no `type`")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValidationError(f"{where} ({kind}): unknown field(s) {', '.join(unknown)}")
    if spec.get("transform") is not None:
        raise ValidationError(f"{where} ({kind}): `transform` runs code and is not supported")
    negate = kind.startswith("not-")
    base = kind[4:] if negate else kind
    if base in RUNS_CODE:
        raise ValidationError(
            f"{where}: assertion type {kind!r} runs code and is not supported; "
            f"supported: {', '.join(SUPPORTED)}"
        )
    if base not in SUPPORTED:
        raise ValidationError(
            f"{where}: unknown assertion type {kind!r}; supported: {', '.join(SUPPORTED)}"
        )
    value, threshold = spec.get("value"), spec.get("threshold")
    weight = _number(spec.get("weight", 1.0), f"{where} ({kind}) weight")
    what = f"{where} ({kind})"
    if threshold is not None:
        threshold = _number(threshold, f"{what} threshold")
    if base in ("equals", "contains", "icontains", "starts-with", "regex", "levenshtein"):
        if base == "equals" and value is not None and not isinstance(value, str):
            pass  # compared as JSON
        elif not isinstance(value, str) or (base != "equals" and not value):
            raise ValidationError(f"{what} needs a non-empty string `value`")
        if base == "regex":
            try:
                re.compile(fill(value, {}, strict=False))
            except re.error as exc:
                raise ValidationError(f"{what}: invalid regular expression: {exc}") from None
    elif base.endswith(("-any", "-all")):
        _strings(value, what)
    elif base in JSON_TYPES:
        _schema(value, what)
    elif base == "word-count":
        if isinstance(value, Mapping):
            if not set(value) <= {"min", "max"} or not value:
                raise ValidationError(f"{what} takes a number or {{'min': n, 'max': m}}")
            for k, v in value.items():
                _number(v, f"{what} {k}", integer=True)
        else:
            _number(value, f"{what} value", integer=True)
    elif base in LENGTH_TYPES:
        _number(value, f"{what} value", integer=True)
    elif base in ACCOUNTING_TYPES:
        if threshold is None:
            raise ValidationError(f"{what} needs a `threshold`")
    elif base == "similar":
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{what}: `value` is the reference text")
        if threshold is not None and threshold > 1:
            raise ValidationError(f"{what}: threshold is a cosine similarity, at most 1")
    elif base == "llm-rubric":
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{what} needs the rubric as a string `value`")
        if threshold is not None and threshold > 1:
            raise ValidationError(f"{what}: threshold is a 0..1 score")
    return Assertion(base, negate, value, threshold, weight)


def parse_assertions(specs: Any, where: str = "assert") -> list[Assertion]:
    """Check a case's list of assertions (`assert` in promptfoo's test format)."""
    if specs is None:
        return []
    if not isinstance(specs, Sequence) or isinstance(specs, str | bytes):
        raise ValidationError(f"{where} must be a list of assertions, got {_show(specs)}")
    return [parse_assertion(s, f"{where}[{i}]") for i, s in enumerate(specs)]


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _find_json(text: str) -> tuple[bool, Any]:
    decoder = json.JSONDecoder()
    for m in re.finditer(r"[\[{]", text):
        try:
            return True, decoder.raw_decode(text, m.start())[0]
        except json.JSONDecodeError:
            continue
    return False, None


def _schema_problem(schema: Any, data: Any) -> str | None:
    if schema is None:
        return None
    if isinstance(schema, str):
        schema = json.loads(schema)
    from jsonschema import validators

    errors = sorted(validators.validator_for(schema)(schema).iter_errors(data), key=str)
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "the top level"
    return f"{errors[0].message} (at {where})"


def _count(kind: str, text: str) -> tuple[int, str]:
    if "words" in kind or kind == "word-count":
        return len(text.split()), "words"
    if "chars" in kind:
        return len(text), "characters"
    return len(text.splitlines()), "lines"


def _bounds(kind: str, value: Any) -> tuple[float | None, float | None]:
    if kind == "word-count":
        if isinstance(value, Mapping):
            return value.get("min"), value.get("max")
        return float(value), float(value)
    return (float(value), None) if kind.startswith("min") else (None, float(value))


def _check(
    a: Assertion, text: str, vars_: Mapping[str, Any], accounting: Mapping[str, Any]
) -> tuple[bool | None, str]:
    """(passed before `not-`, reason) of one deterministic assertion; None when it cannot apply."""
    kind = a.type
    value = fill(a.value, vars_, strict=False) if isinstance(a.value, str) else a.value
    if kind == "equals":
        if isinstance(value, str):
            return text == value, "equal" if text == value else f"differs from {_show(value)}"
        try:
            same = json.loads(text.strip()) == value
        except json.JSONDecodeError:
            same = False
        return same, "equal as JSON" if same else f"not equal to {_show(value)} as JSON"
    if kind in ("contains", "icontains"):
        hay, needle = (text.lower(), value.lower()) if kind[0] == "i" else (text, value)
        return needle in hay, f"{'found' if needle in hay else 'missing'} {_show(value)}"
    if kind.endswith(("-any", "-all")):
        fold = kind.startswith("i")
        needles = _strings(value, kind)
        hay = text.lower() if fold else text
        found = [n for n in needles if (n.lower() if fold else n) in hay]
        if kind.endswith("-any"):
            return bool(found), f"found {_show(found[0])}" if found else f"none of {_show(needles)}"
        gone = [n for n in needles if n not in found]
        return not gone, "found all" if not gone else f"missing {_show(gone)}"
    if kind == "starts-with":
        ok = text.lstrip().startswith(value)
        return ok, "starts as asked" if ok else f"does not start with {_show(value)}"
    if kind == "regex":
        m = re.search(value, text)
        return (
            m is not None,
            f"matched {_show(m.group(0))}" if m else f"no match for {_show(value)}",
        )
    if kind == "levenshtein":
        limit = a.threshold if a.threshold is not None else DEFAULT_LEVENSHTEIN
        d = _levenshtein(text, value)
        return d <= limit, f"edit distance {d} (at most {limit:g} allowed)"
    if kind in JSON_TYPES:
        if kind == "is-json":
            try:
                ok, data = True, json.loads(text.strip())
            except json.JSONDecodeError as exc:
                return False, f"not valid JSON ({exc.msg})"
        else:
            ok, data = _find_json(text)
            if not ok:
                return False, "no JSON object or array in the output"
        problem = _schema_problem(value, data)
        if problem is not None:
            return False, f"JSON does not match the schema: {problem}"
        return True, "valid JSON" + (" matching the schema" if value else "")
    if kind in LENGTH_TYPES:
        n, unit = _count(kind, text)
        lo, hi = _bounds(kind, value)
        ok = (lo is None or n >= lo) and (hi is None or n <= hi)
        bounds = [
            f"at least {lo:g}" if lo is not None else "",
            f"at most {hi:g}" if hi is not None else "",
        ]
        return ok, f"{n} {unit} ({' and '.join(b for b in bounds if b)} asked)"
    if kind in ACCOUNTING_TYPES:
        field_ = "cost_usd" if kind == "cost" else "latency_ms"
        got = accounting.get(field_)
        if got is None:
            return None, f"no {kind} recorded for this output"
        assert a.threshold is not None
        unit = "USD" if kind == "cost" else "ms"
        return got <= a.threshold, f"{kind} {got:g} {unit} (at most {a.threshold:g} allowed)"
    raise ValidationError(f"{a.name} is not a deterministic assertion")


def run_assertion(
    a: Assertion,
    text: str,
    vars_: Mapping[str, Any] | None = None,
    accounting: Mapping[str, Any] | None = None,
) -> Grade:
    """Run one deterministic assertion on an output; the grade is 1 for a pass, 0 for a fail."""
    try:
        passed, reason = _check(a, text, vars_ or {}, accounting or {})
    except re.error as exc:  # a regex that only breaks once the case's vars are filled in
        return Grade(a.name, None, None, "not graded", error=f"invalid regular expression: {exc}")
    except (
        RecursionError
    ):  # an output of JSON nested past Python's recursion limit (json, jsonschema)
        return Grade(a.name, None, None, "not graded", error="the output is JSON nested too deep")
    if passed is None:
        return Grade(a.name, None, None, reason)
    if a.negate:
        passed, reason = not passed, f"(inverted) {reason}"
    return Grade(a.name, passed, 1.0 if passed else 0.0, reason, details={"weight": a.weight})


__all__ = [
    "ACCOUNTING_TYPES",
    "DEFAULT_SIMILARITY",
    "JSON_TYPES",
    "LENGTH_TYPES",
    "MODEL_TYPES",
    "SUPPORTED",
    "TEXT_TYPES",
    "Assertion",
    "Grade",
    "parse_assertion",
    "parse_assertions",
    "run_assertion",
]
