"""Reading an LLM judge's reply, tolerantly but never trustingly.

A rubric reply may be JSON, JSON inside prose or a code fence, "Clarity: 8/10" lines, or a bare
number. A pairwise reply ends with [[A]], [[B]] or [[C]] (a tie); the last such mark counts. What
cannot be read raises JudgeParseError: a missing field is never taken as success.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import JudgeParseError

CRITERIA: tuple[str, ...] = (
    "clarity",
    "specificity",
    "completeness",
    "actionability",
    "faithfulness",
    "consistency",
)
SCALE = 10  # criteria are integers 1..SCALE


_NUMBER = r"(\d+(?:\.\d+)?)"
_OUT_OF = re.compile(_NUMBER + r"\s*(?:/|out\s+of|of)\s*(\d+)", re.I)
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")
_LOOSE_VERDICT = re.compile(
    r"\b(?:verdict|winner|better(?:\s+prompt)?|choice|answer)\s*(?:is|:|=)\s*\**\s*"
    r"(?:prompt\s+|assistant\s+)?\(?([AB]|tie)\b",
    re.I,
)


def _json_objects(text: str) -> list[Any]:
    """Every JSON object embedded in a text (fenced, inline or the whole reply)."""
    found = []
    decoder = json.JSONDecoder()
    i = text.find("{")
    while i != -1:
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i = text.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        i = text.find("{", end)
    return found


def _to_scale(value: Any, out_of: float | None = None) -> float | None:
    """A score as a number on 1..SCALE, or None when it is not a plausible score."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        m = _OUT_OF.search(value)
        if m:
            value, out_of = float(m.group(1)), float(m.group(2))
        else:
            m = re.search(_NUMBER, value)
            if not m:
                return None
            value = float(m.group(1))
    if not isinstance(value, int | float):
        return None
    number = float(value)
    if out_of and out_of > 0 and out_of != SCALE:
        number = number / out_of * SCALE
    elif 0 < number <= 1 and out_of is None and not float(number).is_integer():
        number = number * SCALE  # a 0..1 fraction
    if not 0 <= number <= SCALE:
        return None
    return number


def _criteria_from(obj: Mapping[str, Any]) -> dict[str, float]:
    nested = obj.get("criteria")
    source: Mapping[str, Any] = nested if isinstance(nested, Mapping) else obj
    inner = source.get("scores")
    scores: Mapping[str, Any] = inner if isinstance(inner, Mapping) else source
    out = {}
    for name in CRITERIA:
        for key, value in scores.items():
            if str(key).lower().replace("_", " ").startswith(name[:6]):
                v = _to_scale(value.get("score") if isinstance(value, Mapping) else value)
                if v is not None:
                    out[name] = v
                break
    return out


def parse_rubric(text: str) -> tuple[dict[str, float], float, str]:
    """Return (criteria on 1..10, overall 0..1, critique) from a rubric reply, or raise."""
    if not isinstance(text, str) or not text.strip():
        raise JudgeParseError("the judge's reply is empty")
    criteria: dict[str, float] = {}
    overall: float | None = None
    critique = ""
    for obj in _json_objects(text):
        criteria = criteria or _criteria_from(obj)
        for key in ("overall", "score", "total", "rating"):
            if key in obj and overall is None:
                overall = _to_scale(obj[key])
        for key in ("critique", "reason", "reasoning", "explanation", "feedback", "comments"):
            if isinstance(obj.get(key), str) and not critique:
                critique = obj[key].strip()
    if not criteria:
        for name in CRITERIA:
            m = re.search(
                rf"\b{name[:6]}\w*\W{{0,6}}\s*{_NUMBER}(?:\s*(?:/|out\s+of)\s*(\d+))?", text, re.I
            )
            if m:
                value = _to_scale(float(m.group(1)), float(m.group(2)) if m.group(2) else None)
                if value is not None:
                    criteria[name] = value
    if overall is None:
        m = re.search(
            rf"\b(?:overall|score|total|rating)\b\W{{0,6}}\s*{_NUMBER}(?:\s*(?:/|out\s+of)\s*(\d+))?",
            text,
            re.I,
        )
        if m:
            overall = _to_scale(float(m.group(1)), float(m.group(2)) if m.group(2) else None)
    if overall is None and not criteria:
        bare = text.strip().strip(".*` ")
        m = _OUT_OF.fullmatch(bare) or re.fullmatch(_NUMBER, bare)
        if m:
            overall = _to_scale(bare)
    if overall is None and criteria:
        overall = sum(criteria.values()) / len(criteria)
    if overall is None:
        raise JudgeParseError(f"no score found in the judge's reply: {text.strip()[:120]!r}")
    if not critique:
        prose = re.sub(r"```.*?```|\{.*\}", " ", text, flags=re.S).strip()
        critique = " ".join(prose.split())[:600]
    # 1..10 maps to 0..1 (a 0 from a judge that used 0..10 stays 0).
    score = max(0.0, min(1.0, (overall - 1) / (SCALE - 1)))
    return criteria, round(score, 4), critique


def parse_verdict(text: str) -> str:
    """Return 'A', 'B' or 'C' (tie) from a pairwise reply: the last [[X]] mark, else a stated verdict."""
    if not isinstance(text, str) or not text.strip():
        raise JudgeParseError("the judge's reply is empty")
    marks = _VERDICT.findall(text)
    if marks:
        return marks[-1]
    loose = _LOOSE_VERDICT.findall(text)
    if loose:
        last = loose[-1].upper()
        return "C" if last == "TIE" else last
    if re.search(r"\b(?:tie|equally\s+good|no\s+clear\s+winner)\b", text, re.I):
        return "C"
    raise JudgeParseError(
        f"no verdict ([[A]], [[B]] or [[C]]) in the judge's reply: {text[:120]!r}"
    )


__all__ = ["CRITERIA", "SCALE", "JudgeParseError", "parse_rubric", "parse_verdict"]
