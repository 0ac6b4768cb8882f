"""Plain dataclasses for the rows of each table, summary rows, and the value checks they share with
the store. No presentation: notebook/views.py renders them."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ValidationError
from .vocab import (
    CONFIG_TYPES,
    MAX_COUNT,
    MAX_TAG_LENGTH,
    METRIC_TYPES,
    PHASES,
    PREFERENCE_KINDS,
    PROVIDERS,
    SCORE_RANGE,
    SEARCH_TYPES,
    SIMILARITY_RANGE,
    STATUSES,
    TEMPERATURE_RANGE,
    has_visible_text,
)

if TYPE_CHECKING:
    import pandas as pd

_UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)$")


def new_id() -> str:
    """Return a fresh UUID v4 as lowercase text."""
    return str(uuid.uuid4())


def now() -> str:
    """Return the current UTC time in the canonical form (milliseconds, `Z` suffix)."""
    return _format(datetime.now(UTC))


def whoami() -> str:
    """The login name, or 'researcher' where the environment has none (some containers)."""
    import getpass

    try:
        return getpass.getuser() or "researcher"
    except Exception:  # getpass raises several types when no name is set
        return "researcher"


def _format(t: datetime) -> str:
    # The one stored form: YYYY-MM-DDTHH:MM:SS.mmmZ, what SQLite's strftime('%f') also writes.
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def check_uuid(value: Any, what: str = "id") -> str:
    """Return `value` as a canonical UUID v4 string or raise ValidationError."""
    if isinstance(value, str):
        low = value.strip().lower()
        if _UUID4_RE.match(low):
            return low
    raise ValidationError(f"{what} must be a UUID v4, got {value!r}")


def check_enum(value: Any, allowed: tuple[str, ...], what: str) -> str:
    """Return `value` if it is one of `allowed`, else raise ValidationError listing them."""
    if value in allowed:
        return str(value)
    raise ValidationError(f"unknown {what} {value!r}: expected one of {', '.join(allowed)}")


def check_range(value: Any, lo: float, hi: float, what: str, *, optional: bool = True) -> Any:
    """Return a number within [lo, hi] (None allowed when optional) or raise ValidationError."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ValidationError(f"{what} must be a number between {lo:g} and {hi:g}, got {value!r}")
    return value


def check_positive_int(value: Any, what: str, *, optional: bool = True) -> int | None:
    """Return a positive integer (None allowed when optional) or raise ValidationError."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT64_MAX:
        raise ValidationError(
            f"{what} must be a positive integer (64-bit), got {short_repr(value)}"
        )
    return value


def short_repr(value: Any, limit: int = 40) -> str:
    """repr(value), cut to `limit` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_timestamp(value: Any, what: str = "timestamp", *, optional: bool = False) -> str | None:
    """Return a UTC timestamp (str ending in Z or +00:00, or datetime) in the canonical `…Z` form.

    Sub-millisecond digits round to the nearest millisecond, as SQLite's strftime('%f') does.
    """
    if value is None and optional:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
            raise ValidationError(f"{what} must be in UTC, got {value!r}")
        return _format(_round_ms(value))
    if isinstance(value, str) and _TS_RE.match(value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return _format(_round_ms(parsed))
    raise ValidationError(f"{what} must be a UTC ISO-8601 timestamp like {now()}, got {value!r}")


def _round_ms(t: datetime) -> datetime:
    return t + timedelta(microseconds=500) if t.microsecond % 1000 >= 500 else t


# JSON from users (config values, batch lines, imported rows, metadata) is data, not a stack
# test: our own values nest a few levels, and Python's parser (and json.dumps, and every
# recursive check) fails with RecursionError near 1000. Anything deeper than this is refused.
MAX_JSON_DEPTH = 100
# SQLite's INTEGER is a signed 64-bit number; a larger Python int cannot be stored (OverflowError).
INT64_MAX = 2**63 - 1


def json_too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when lists/dicts in `value` nest deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(text: str | bytes, what: str = "value") -> Any:
    """json.loads for text from outside: ValidationError (one line) for bad or too deep JSON."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{what} is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ValidationError(
            f"{what} is JSON nested more than {MAX_JSON_DEPTH} levels deep"
        ) from None
    if json_too_deep(value):
        raise ValidationError(f"{what} is JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def to_json(value: Any, what: str = "value", *, str_is_json: bool = True) -> str:
    """Serialise a JSON column value; a str is taken as JSON text (and checked) unless told otherwise."""
    if isinstance(value, str) and str_is_json:
        parse_json(value, what)
        return value
    if json_too_deep(value):
        raise ValidationError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        # allow_nan=False: NaN and Infinity are not JSON (SQLite's json_valid refuses them).
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        why = "NaN and infinity are not JSON numbers" if "Out of range float" in str(exc) else exc
        raise ValidationError(f"{what} cannot be stored as JSON: {why}") from None


def from_json(value: Any) -> Any:
    """Parse a JSON column read back from SQLite (sqlite-utils returns them as text)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except RecursionError:  # written by hand past our checks: say so instead of a traceback
        raise ValidationError(
            f"a stored JSON value is nested more than {MAX_JSON_DEPTH} levels deep"
        ) from None


class Row:
    """The base of every record: conversion between a dataclass and a database row."""

    json_fields: ClassVar[tuple[str, ...]] = ()
    # JSON columns whose Python value may itself be a string (a configuration's value), so a str is
    # a value to encode, never JSON text to pass through.
    json_values: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Any:
        """Build a record from a row dict, parsing JSON columns."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        data = {k: v for k, v in row.items() if k in names}
        for name in cls.json_fields:
            if name in data:
                data[name] = from_json(data[name])
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict, JSON columns as Python values (for --json output)."""
        # Plain field access: asdict() deep-copies every value and dominated import time.
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def to_row(self) -> dict[str, Any]:
        """Return the record as a row dict with JSON columns serialised."""
        data = self.as_dict()
        for name in self.json_fields:
            if data.get(name) is not None or name in self.json_values:
                data[name] = to_json(data[name], name, str_is_json=name not in self.json_values)
        return data


class Rows(list[dict[str, Any]]):
    """The rows of a summary (dicts with the same keys) and what they summarise (`title`)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]] = (), *, title: str | None = None) -> None:
        super().__init__(dict(row) for row in rows)
        self.title = title

    @property
    def columns(self) -> list[str]:
        """The column names (from the first row)."""
        return list(self[0]) if self else []

    def only(self, *columns: str) -> Rows:
        """The same rows with just these columns, in this order."""
        return Rows(({c: row.get(c) for c in columns} for row in self), title=self.title)

    def to_dataframe(self) -> pd.DataFrame:
        """Return the rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self))


@dataclass
class Request(Row):
    """A row of `prompt_requests`: one idea submitted for refinement."""

    input: str
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    count: int = 1
    persona: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    tags: list[str] = field(default_factory=list)
    provider_override: str | None = None
    id: str = field(default_factory=new_id)
    # "" = now, stamped in __post_init__: a default_factory would run after the caller evaluated
    # `completed_at=now()`, so a finished request built in one call could end before it began.
    created_at: str = ""
    completed_at: str | None = None
    status: str = "pending"
    metadata: dict[str, Any] = field(default_factory=dict)
    json_fields: ClassVar[tuple[str, ...]] = ("phases", "tags", "metadata")

    def __post_init__(self) -> None:
        if not self.created_at:
            self.created_at = now()
            if self.completed_at is not None:
                with suppress(ValidationError):  # a malformed value is reported by validate()
                    done = check_timestamp(self.completed_at, "completed_at")
                    self.created_at = min(self.created_at, done or self.created_at)


@dataclass
class PhaseRun(Row):
    """A row of `request_phases`: one phase of one request, with its own lifecycle."""

    request_id: str
    phase: str
    provider: str
    model: str
    id: str = field(default_factory=new_id)
    started_at: str | None = None
    completed_at: str | None = None
    status: str = "pending"
    error_message: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    json_fields: ClassVar[tuple[str, ...]] = ("config",)


@dataclass
class Prompt(Row):
    """A row of `prompts`: one generated variant."""

    content: str
    phase: str
    provider: str
    model: str
    persona: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    actual_tokens: int | None = None
    request_id: str | None = None
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    json_fields: ClassVar[tuple[str, ...]] = ("metadata",)


@dataclass
class Metric(Row):
    """A row of `metrics`: one measurement (cost, time, tokens, quality) of a prompt."""

    prompt_id: str
    metric_type: str
    value: float
    unit: str | None = None
    processing_time_ms: int | None = None
    cost_usd: float | None = None
    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    id: str = field(default_factory=new_id)
    timestamp: str = field(default_factory=now)
    details: dict[str, Any] = field(default_factory=dict)
    json_fields: ClassVar[tuple[str, ...]] = ("details",)


@dataclass
class Tag(Row):
    """A row of `tags`: one tag on one prompt."""

    prompt_id: str
    tag: str
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)


@dataclass
class Configuration(Row):
    """A row of `configurations`: a typed setting (string, number or object)."""

    key: str
    value: Any
    type: str
    updated_at: str = field(default_factory=now)
    updated_by: str | None = None
    json_fields: ClassVar[tuple[str, ...]] = ("value",)
    json_values: ClassVar[tuple[str, ...]] = ("value",)


@dataclass
class EmbeddingRecord(Row):
    """A row of `embeddings`: a prompt's vector as a compressed BLOB."""

    prompt_id: str
    model: str
    dimensions: int
    embedding: bytes
    created_at: str = field(default_factory=now)
    similarity_threshold: float | None = None


@dataclass
class SearchRecord(Row):
    """A row of `search_history`: one search and the ids it returned."""

    query: str
    search_type: str
    result_count: int
    results: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    min_similarity: float | None = None
    id: str = field(default_factory=new_id)
    timestamp: str = field(default_factory=now)
    json_fields: ClassVar[tuple[str, ...]] = ("filters", "results")


@dataclass
class Preference(Row):
    """A row of `preferences`: a researcher's pick on a prompt (pairwise, thumb or 1-5 rating).

    pairwise: `prompt_id` is preferred over `other_prompt_id` (value 1), or they tie (value 0);
    thumb: value +1 or -1; rating: value 1..5. `shown_order` keeps the ids in the order they were
    shown, so position effects in human picks can be measured.
    """

    kind: str
    prompt_id: str
    value: int
    who: str
    other_prompt_id: str | None = None
    shown_order: list[str] = field(default_factory=list)
    note: str | None = None
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    json_fields: ClassVar[tuple[str, ...]] = ("shown_order",)


def _validate_preference(rec: Preference) -> None:
    check_uuid(rec.id, "preference id")
    check_enum(rec.kind, PREFERENCE_KINDS, "preference kind")
    check_uuid(rec.prompt_id, "prompt_id")
    if not isinstance(rec.who, str) or not rec.who.strip() or len(rec.who.strip()) > 200:
        raise ValidationError(f"who must name the researcher (1-200 characters), got {rec.who!r}")
    rec.who = rec.who.strip()
    allowed = {"pairwise": (0, 1), "thumb": (-1, 1), "rating": (1, 2, 3, 4, 5)}[rec.kind]
    if isinstance(rec.value, bool) or rec.value not in allowed:
        raise ValidationError(
            f"a {rec.kind} pick takes a value in {list(allowed)}, got {rec.value!r}"
        )
    if rec.kind == "pairwise":
        check_uuid(rec.other_prompt_id, "other_prompt_id")
        if rec.other_prompt_id == rec.prompt_id:
            raise ValidationError("a pairwise pick compares two different prompts")
    elif rec.other_prompt_id is not None:
        raise ValidationError(f"a {rec.kind} pick is about one prompt: no other_prompt_id")


def _check_finished(status: str, begun: str | None, done: str | None, begun_name: str) -> None:
    # The CHECKs of prompt_requests and request_phases, as a ValidationError that names the field.
    if status in ("completed", "failed") and done is None:
        raise ValidationError(f"a {status} row needs completed_at")
    if begun is not None and done is not None and done < begun:  # both canonical by now
        raise ValidationError(f"completed_at {done} is before {begun_name} {begun}")


def validate(rec: Any) -> None:
    """Python-side checks mirroring the SQL constraints; timestamps become the canonical form."""
    for name in TIMESTAMP_FIELDS.get(type(rec), ()):
        value = getattr(rec, name)
        if value is not None:
            setattr(rec, name, check_timestamp(value, name))
    if isinstance(rec, Prompt):
        check_uuid(rec.id, "prompt id")
        check_enum(rec.phase, PHASES, "phase")
        check_enum(rec.provider, PROVIDERS, "provider")
        check_range(rec.temperature, *TEMPERATURE_RANGE, "temperature")
        check_range(rec.score, *SCORE_RANGE, "score")
        check_positive_int(rec.max_tokens, "max_tokens")
        check_positive_int(rec.actual_tokens, "actual_tokens")
        check_positive_int(rec.rank, "rank")
        if rec.request_id is not None:
            check_uuid(rec.request_id, "request_id")
    elif isinstance(rec, Metric):
        check_uuid(rec.id, "metric id")
        check_enum(rec.metric_type, METRIC_TYPES, "metric_type")
        for name in ("total_tokens", "input_tokens", "output_tokens"):
            check_positive_int(getattr(rec, name), name)
        if rec.metric_type == "quality":
            check_range(rec.value, *SCORE_RANGE, "quality value", optional=False)
    elif isinstance(rec, Tag):
        check_uuid(rec.id, "tag id")
        if (
            not isinstance(rec.tag, str)
            or not rec.tag.strip()
            or len(rec.tag.strip()) > MAX_TAG_LENGTH
        ):
            raise ValidationError(f"tag must be 1-{MAX_TAG_LENGTH} characters, got {rec.tag!r}")
        rec.tag = rec.tag.strip()
    elif isinstance(rec, Request):
        check_uuid(rec.id, "request id")
        if not isinstance(rec.input, str) or not has_visible_text(rec.input):
            raise ValidationError("the idea (input) must be a non-empty string")
        if not rec.phases:
            raise ValidationError("phases must name at least one phase")
        for phase in rec.phases:
            check_enum(phase, PHASES, "phase")
        check_positive_int(rec.count, "count", optional=False)
        if rec.count > MAX_COUNT:
            raise ValidationError(f"count must be at most {MAX_COUNT}, got {rec.count}")
        check_range(rec.temperature, *TEMPERATURE_RANGE, "temperature")
        check_positive_int(rec.max_tokens, "max_tokens")
        check_enum(rec.status, STATUSES, "status")
        _check_finished(rec.status, rec.created_at, rec.completed_at, "created_at")
        if rec.provider_override is not None:
            check_enum(rec.provider_override, PROVIDERS, "provider")
    elif isinstance(rec, PhaseRun):
        check_uuid(rec.id, "phase run id")
        check_enum(rec.phase, PHASES, "phase")
        check_enum(rec.provider, PROVIDERS, "provider")
        check_enum(rec.status, STATUSES, "status")
        if rec.completed_at is not None and rec.started_at is None:
            raise ValidationError("a phase run with completed_at needs started_at")
        _check_finished(rec.status, rec.started_at, rec.completed_at, "started_at")
    elif isinstance(rec, Preference):
        _validate_preference(rec)
    elif isinstance(rec, SearchRecord):
        check_enum(rec.search_type, SEARCH_TYPES, "search_type")
        check_range(rec.min_similarity, *SIMILARITY_RANGE, "min_similarity")
    elif type(rec) in VALIDATORS:
        VALIDATORS[type(rec)](rec)


# The timestamp columns of each record, written only in the canonical form (see check_timestamp).
TIMESTAMP_FIELDS: dict[type, tuple[str, ...]] = {
    Request: ("created_at", "completed_at"),
    PhaseRun: ("started_at", "completed_at"),
    Prompt: ("created_at", "updated_at"),
    Metric: ("timestamp",),
    Tag: ("created_at",),
    Configuration: ("updated_at",),
    EmbeddingRecord: ("created_at",),
    Preference: ("created_at",),
    SearchRecord: ("timestamp",),
}


# Checks of records defined in other modules (records_eval.py registers its own here).
VALIDATORS: dict[type, Callable[[Any], None]] = {}


def config_type_of(value: Any) -> str:
    """Infer the configuration type (string, number, object) of a Python value."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return "object"


@dataclass
class Lineage:
    """Everything recorded about one prompt and the request it came from (`Store.lineage`)."""

    prompt: Prompt
    request: Request | None
    runs: list[PhaseRun] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


__all__ = [
    "CONFIG_TYPES",
    "METRIC_TYPES",
    "PHASES",
    "PROVIDERS",
    "SEARCH_TYPES",
    "STATUSES",
    "Configuration",
    "EmbeddingRecord",
    "Lineage",
    "Metric",
    "PhaseRun",
    "Preference",
    "Prompt",
    "Request",
    "Row",
    "Rows",
    "SearchRecord",
    "Tag",
    "whoami",
]
