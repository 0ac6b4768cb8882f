"""Test cases: added one by one, imported from promptfoo-style files, or suggested by a model.

File formats (`import_cases`), following promptfoo's test format so an existing suite imports as is:
- JSONL (or .json holding an array, or an object with a `tests` array): one test per line/item,
  `{"description": ..., "vars": {...}, "assert": [{"type": ..., "value": ...}], ...}`. Our additions:
  `name` (else the description, else a name made from the first var), `reference` (an ideal output
  for the `similar` grader) and `tags`. promptfoo's other test fields (options, metadata, threshold,
  provider, ...) are kept in the case's metadata and otherwise ignored; any other field is an error.
- CSV, promptfoo's layout: one column per var, plus `__expected`, `__expected1`, ... holding
  `type: value` assertions (`contains: rain`, `is-json`, `grade: <rubric>` for llm-rubric,
  `similar(0.8): <text>`; a value with no known type means `equals`), `__description`, and our
  `__reference` and `__tags` (comma-separated).
A bad line is reported with its number and skipped, the rest are stored in one transaction; a case
whose name the request already has is skipped when identical, reported when different. So
re-importing a file adds nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..errors import ValidationError
from ..placeholders import as_text, placeholders
from ..scoring.assertions import LENGTH_TYPES, SUPPORTED, parse_assertions
from ..store.calling import store_argument
from ..store.sqlite_errors import check_text
from ..vocab import cut
from .batch import _jsonl_rows
from .inputs import check_tags

if TYPE_CHECKING:
    from ..store import Store

PROMPTFOO_FIELDS = {
    "options",
    "metadata",
    "threshold",
    "provider",
    "providerOutput",
    "assertScoringFunction",
}
OUR_FIELDS = {"name", "description", "vars", "assert", "reference", "tags"}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class CaseReport:
    """What an import (or a suggestion) did, line by line."""

    total: int = 0
    added: int = 0
    skipped: int = 0  # identical cases already stored
    failed: int = 0
    case_ids: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, line: int, error: str) -> None:
        """Record one bad line."""
        self.failed += 1
        self.failures.append({"line": line, "error": error})


def _digest(vars_: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(vars_, sort_keys=True, default=str).encode()).hexdigest()[:6]


def make_case(
    request_id: str,
    obj: Mapping[str, Any],
    *,
    source: str = "api",
    metadata: dict[str, Any] | None = None,
) -> ev.Case:
    """Check one test (promptfoo's fields plus ours) and build its Case; one ValidationError line."""
    unknown = sorted(set(obj) - OUR_FIELDS - PROMPTFOO_FIELDS)
    if unknown:
        raise ValidationError(f"unknown field(s) {', '.join(unknown)}")
    vars_ = obj.get("vars", {})
    if not isinstance(vars_, Mapping):
        raise ValidationError(f"`vars` must be an object, got {type(vars_).__name__}")
    for k, v in vars_.items():
        if not isinstance(k, str) or not k:
            raise ValidationError("every var needs a name")
        check_text(as_text(v), f"var {k!r}")
    asserts = [a.as_dict() for a in parse_assertions(obj.get("assert"), "assert")]
    reference = obj.get("reference")
    if reference is not None:
        if not isinstance(reference, str):
            raise ValidationError("`reference` must be text")
        check_text(reference, "the reference")
    tags = check_tags(obj.get("tags", []))
    name = obj.get("name") or obj.get("description")
    if name is None:
        first = as_text(next(iter(vars_.values()))) if vars_ else "no vars"
        name = f"{cut(first, 50)} [{_digest(vars_)}]"
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("`name` must be non-empty text")
    check_text(name, "the name")
    extra = {k: obj[k] for k in PROMPTFOO_FIELDS if k in obj}
    meta = dict(metadata or {}) | ({"promptfoo": extra} if extra else {})
    return ev.Case(
        request_id=request_id,
        name=name.strip()[: ev.MAX_CASE_NAME],
        vars=dict(vars_),
        reference=reference,
        assertions=asserts,
        tags=tags,
        source=source,
        metadata=meta,
    )


@store_argument
def add_case(
    store: Store,
    request_id: str,
    vars: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    reference: str | None = None,
    assertions: Sequence[Any] = (),
    tags: Sequence[str] = (),
    source: str = "api",
) -> ev.Case:
    """Add one case to a request (the workbench's cases editor calls this)."""
    req = store.get_request(request_id)
    obj: dict[str, Any] = {"vars": dict(vars or {}), "assert": list(assertions), "tags": list(tags)}
    if name is not None:
        obj["name"] = name
    if reference is not None:
        obj["reference"] = reference
    case = make_case(req.id, obj, source=source)
    if any(c.name == case.name for c in store.cases_for(req.id)):
        raise ValidationError(f"request {req.id[:8]} already has a case named {case.name!r}")
    store.add_cases([case])
    return case


_EXPECTED = re.compile(
    r"^\s*(?P<type>[a-z][a-z-]*)(?:\((?P<threshold>[0-9.]+)\))?\s*(?::\s*(?P<value>.*))?$", re.S
)


def expected_assertion(text: str) -> dict[str, Any]:
    """One assertion from promptfoo's `type: value` text (a CSV `__expected` cell, a line of the
    workbench's cases editor): `type: value`, `grade: rubric`, `similar(0.8): text`; text that
    names no known type is an `equals` assertion."""
    m = _EXPECTED.match(text)
    kind = m.group("type") if m else None
    if kind == "grade":
        kind = "llm-rubric"
    base = kind.removeprefix("not-") if kind else None
    if m is None or base not in (*SUPPORTED, "javascript", "python"):
        return {"type": "equals", "value": text}
    out: dict[str, Any] = {"type": kind}
    if m.group("value") is not None:
        value: Any = m.group("value").strip()
        if base in ("contains-any", "contains-all", "icontains-any", "icontains-all"):
            value = [v.strip() for v in value.split(",")]
        elif base in LENGTH_TYPES:
            value = int(value) if value.isdigit() else value
        out["value"] = value
    if m.group("threshold"):
        out["threshold"] = float(m.group("threshold"))
    return out


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    rows: list[tuple[int, dict[str, Any] | None, str | None]] = []
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for n, row in enumerate(reader, start=2):
            obj: dict[str, Any] = {"vars": {}, "assert": []}
            for key, value in row.items():
                if key is None:
                    rows.append((n, None, "more cells than header columns"))
                    break
                if value is None or value == "":
                    continue
                if key.startswith("__expected"):
                    obj["assert"].append(expected_assertion(value))
                elif key == "__description":
                    obj["description"] = value
                elif key == "__reference":
                    obj["reference"] = value
                elif key == "__tags":
                    obj["tags"] = [t.strip() for t in value.split(",") if t.strip()]
                elif key.startswith("__"):
                    continue  # promptfoo's other meta columns (__prefix, __suffix, ...)
                else:
                    obj["vars"][key] = value
            else:
                rows.append((n, obj, None))
    except csv.Error as exc:
        raise ValidationError(f"not a readable CSV file ({exc})") from None
    return rows


def _json_rows(path: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """A .json file: an array of tests, or an object whose `tests` is one."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not a readable JSON file ({exc})") from None
    # parse_json: one line, not a RecursionError, for JSON nested deeper than any test needs
    whole = r.parse_json(text, path.name)
    items = whole.get("tests") if isinstance(whole, dict) else whole
    if not isinstance(items, list):
        raise ValidationError("a .json file holds an array of tests (or an object with `tests`)")
    return [
        (i, item, None) if isinstance(item, dict) else (i, None, "expected a JSON object")
        for i, item in enumerate(items, start=1)
    ]


def read_case_file(path: str | Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, test object or None, error) per test of a .jsonl/.json/.csv file."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"cases file not found: {p}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(f"{p} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(p)  # batch's reader: the same per-line report
    if suffix == ".json":
        return _json_rows(p)
    if suffix == ".csv":
        return _csv_rows(p.read_bytes().decode("utf-8-sig", errors="surrogateescape"))
    raise ValidationError(f"{p.name}: cases files are .jsonl, .json or .csv")


def store_cases(
    store: Store, request_id: str, items: Sequence[tuple[int, ev.Case]], report: CaseReport
) -> None:
    """Add new cases in one transaction; identical ones already stored are skipped, clashes reported."""
    existing = {c.name: c for c in store.cases_for(request_id)}
    fresh: list[ev.Case] = []
    for line, case in items:
        old = existing.get(case.name)
        if old is not None:
            same = (old.vars, old.assertions, old.reference) == (
                case.vars,
                case.assertions,
                case.reference,
            )
            if same:
                report.skipped += 1
                report.case_ids.append(old.id)
            else:
                report.fail(line, f"the request already has a different case named {case.name!r}")
            continue
        existing[case.name] = case
        fresh.append(case)
    store.add_cases(fresh)
    report.added += len(fresh)
    report.case_ids += [c.id for c in fresh]


@store_argument
def import_cases(store: Store, path: str | Path, request_id: str) -> CaseReport:
    """Import promptfoo-style tests into a request's cases; a per-line report (see module docstring)."""
    req = store.get_request(request_id)
    rows = read_case_file(path)
    report = CaseReport(total=len(rows))
    good: list[tuple[int, ev.Case]] = []
    for line, obj, error in rows:
        if obj is None:
            report.fail(line, error or "unreadable")
            continue
        try:
            case = make_case(
                req.id, obj, source="import", metadata={"file": Path(path).name, "line": line}
            )
        except ValidationError as exc:
            report.fail(line, str(exc))
            continue
        good.append((line, case))
    store_cases(store, req.id, good, report)
    return report


def prompt_vars(store: Store, request_id: str) -> list[str]:
    """The placeholder names the request's prompts use (a case should give each a value)."""
    names: list[str] = []
    for p in store.list_prompts(request_id=request_id, limit=None, order_by="rowid"):
        names += [n for n in placeholders(p.content) if n not in names]
    return names


__all__ = [
    "CaseReport",
    "add_case",
    "expected_assertion",
    "import_cases",
    "make_case",
    "prompt_vars",
    "read_case_file",
    "store_cases",
]
