"""Checking what a user hands the engine, before anything is written: ideas, tags, options, items.

Every check raises ValidationError with one line that names the field and what it expected, so a
bad batch line is reported with its number and skipped, and `generate` refuses bad input up front
instead of writing a failed request. Text must be storable as is: no NUL characters, no lone
surrogates (which is how Python decodes invalid UTF-8 from argv or files).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..phases import CHAIN_MODES
from ..records import short_repr
from ..store.sqlite_errors import check_text
from ..vocab import (
    MAX_COUNT,
    MAX_TAG_LENGTH,
    PERSONAS,
    PHASES,
    PROVIDERS,
    TEMPERATURE_RANGE,
    has_visible_text,
)

# An idea read from a file or stdin: large enough for a long brief or a pasted document, small
# enough that a wrong file (a video, a database) is refused before it is read into memory.
MAX_IDEA_BYTES = 4 * 1024 * 1024
MAX_TIMEOUT_S = 3600.0
MAX_RETRIES = 10
MAX_SEED = 2**31 - 1


class CheckedIdea(str):
    """An idea that check_idea has accepted: code further in takes it as is, without a second check."""

    __slots__ = ()


def check_idea(value: Any) -> CheckedIdea:
    """A non-empty idea that can be stored as text, at most MAX_IDEA_BYTES, with visible text."""
    if isinstance(value, CheckedIdea):
        return value  # checked at the boundary it came through (the CLI, a batch file)
    if not isinstance(value, str):
        raise ValidationError(f"idea must be text, got {type(value).__name__} {short_repr(value)}")
    # The same cap whatever the idea came through (argv, a batch line, the API), not only files.
    if (
        len(value) > MAX_IDEA_BYTES // 4
        and len(value.encode("utf-8", "surrogatepass")) > MAX_IDEA_BYTES
    ):
        raise ValidationError(
            f"the idea is larger than the {MAX_IDEA_BYTES // (1024 * 1024)} MiB limit"
        )
    check_text(value, "the idea")
    if not has_visible_text(value):
        # Zero-width and format characters count as blank as whitespace does: they show nothing.
        raise ValidationError(
            "the idea is empty (only whitespace, zero-width or control characters): describe what"
            " the prompt should achieve"
        )
    return CheckedIdea(value)


def check_tags(value: Any) -> list[str]:
    """A list of tags, each 1-MAX_TAG_LENGTH characters of storable text; duplicates dropped."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValidationError(f"tags must be a list of strings, got {short_repr(value)}")
    out: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise ValidationError(f"each tag must be a string, got {short_repr(tag)}")
        check_text(tag, f"tag {short_repr(tag)}")
        clean = tag.strip()
        if not 1 <= len(clean) <= MAX_TAG_LENGTH:
            raise ValidationError(
                f"each tag must be 1-{MAX_TAG_LENGTH} characters, got one of {len(clean)}"
            )
        if clean not in out:
            out.append(clean)
    return out


def check_int(value: Any, what: str, lo: int, hi: int) -> int:
    """An integer within [lo, hi] (true/false are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(
            f"{what} must be an integer from {lo} to {hi}, got {short_repr(value)}"
        )
    return value


def check_number(value: Any, what: str, lo: float, hi: float, *, open_lo: bool = False) -> Any:
    """A finite number within [lo, hi] (or (lo, hi] with open_lo), returned unchanged."""
    ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    if ok:
        ok = (lo < value if open_lo else lo <= value) and value <= hi
    if not ok:
        low = f"more than {lo:g}" if open_lo else f"from {lo:g}"
        raise ValidationError(f"{what} must be a number {low} to {hi:g}, got {short_repr(value)}")
    return value


def check_choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(
            f"unknown {what} {short_repr(value)}: expected one of {', '.join(allowed)}"
        )
    return value


def check_run_options(
    idea: Any, tags: Any, seed: Any, timeout: Any, retries: Any
) -> tuple[str, list[str]]:
    """Check what `agenerate` takes besides the plan's options; return the idea and clean tags."""
    idea = check_idea(idea)
    clean = check_tags(list(tags) if isinstance(tags, tuple) else tags)
    if seed is not None:
        check_int(seed, "seed", 0, MAX_SEED)
    check_number(timeout, "timeout", 0, MAX_TIMEOUT_S, open_lo=True)
    check_int(retries, "retries", 0, MAX_RETRIES)
    return idea, clean


def _phases(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [p.strip() for p in value.split(",") if p.strip()]
    if not isinstance(value, list) or not value:
        raise ValidationError(
            f"phases must be a non-empty list of phase names, got {short_repr(value)}"
        )
    return [check_choice(p, "phase", PHASES) for p in value]


def _model(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"model must be a model id, got {short_repr(value)}")
    return check_text(value, "model")


# The type of each per-item field of a batch file (batch.ITEM_FIELDS lists the same names).
ITEM_CHECKS: dict[str, Any] = {
    "idea": check_idea,
    "persona": lambda v: check_choice(v, "persona", PERSONAS),
    "count": lambda v: check_int(v, "count", 1, MAX_COUNT),
    "phases": _phases,
    "provider": lambda v: check_choice(v, "provider", PROVIDERS),
    "model": _model,
    "temperature": lambda v: check_number(v, "temperature", *TEMPERATURE_RANGE),
    "max_tokens": lambda v: check_int(v, "max_tokens", 1, 1_000_000),
    "tags": check_tags,
    "chain": lambda v: check_choice(v, "chain", CHAIN_MODES),
    "seed": lambda v: check_int(v, "seed", 0, MAX_SEED),
}


def check_item(obj: dict[str, Any]) -> dict[str, Any]:
    """Check every field of one batch item; return it with values normalised."""
    unknown = sorted(set(obj) - set(ITEM_CHECKS))
    if unknown:
        raise ValidationError(f"unknown field(s) {', '.join(unknown)}")
    if "idea" not in obj:
        raise ValidationError("`idea` is missing")
    return {name: ITEM_CHECKS[name](value) for name, value in obj.items()}


def read_idea(source: str | Path) -> CheckedIdea:
    """Read an idea from a file path, or from stdin for "-", within MAX_IDEA_BYTES."""
    import sys

    limit = f"{MAX_IDEA_BYTES // (1024 * 1024)} MiB"
    if str(source) == "-":
        data = sys.stdin.buffer.read(MAX_IDEA_BYTES + 1)
        where = "stdin"
    else:
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"idea file not found: {path}")
        size = path.stat().st_size
        if size > MAX_IDEA_BYTES:
            raise ValidationError(f"{path} is {size:,} bytes; an idea may be at most {limit}")
        data = path.read_bytes()
        where = str(path)
    if len(data) > MAX_IDEA_BYTES:
        raise ValidationError(f"the idea on {where} is larger than the {limit} limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"the idea on {where} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset"
            f" {exc.start})"
        ) from None
    return check_idea(text)


__all__ = [
    "ITEM_CHECKS",
    "MAX_IDEA_BYTES",
    "CheckedIdea",
    "check_idea",
    "check_item",
    "check_run_options",
    "check_tags",
    "read_idea",
]
