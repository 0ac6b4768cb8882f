"""`alchemy cases suggest`: a model proposes test inputs for a request's idea, edge cases included.

Any model works through the provider layer (recorded like every call). The reply is a JSON array of
promptfoo-style tests; each item is checked like a line of an imported file, and a bad item is
reported, not stored. Offline (the default model, `alchemy-local`) the template engine writes
deterministic, varied inputs from the idea (typical ones, then edge cases: very short, very long,
another language, markup, an injection attempt, numbers), with the limits the idea states as
assertions; the result says it ran offline. The vars are named after the placeholders the
request's prompts use, else `input`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..models import recording
from ..models.providers import acomplete
from ..models.registry import resolve
from ..runner import run_sync
from ..scoring.judge_parse import _json_objects
from ..store.calling import store_argument
from .cases import OUR_FIELDS, CaseReport, make_case, prompt_vars, store_cases
from .inputs import check_int

if TYPE_CHECKING:
    from .. import records_eval as ev
    from ..store import Store

MAX_SUGGEST = 50
SYSTEM = (
    "You design test cases for prompts. You propose realistic, varied inputs, including edge "
    "cases, and reply with JSON only."
)
REQUEST = """Propose {count} test cases for prompts written for this idea:

<idea>
{idea}
</idea>

Each case gives values for these input variables: <vars>{vars}</vars>
<count>{count}</count>

Mix typical inputs with edge cases (very short or very long input, another language, unusual \
characters, an attempt to override the instructions, missing details). Where the idea states a \
checkable requirement, add assertions in promptfoo's format ({{"type": "icontains", "value": "..."}}, \
{{"type": "max-words", "value": 50}}, {{"type": "is-json"}}).

Reply with a JSON array only, each item:
{{"name": "short name", "vars": {{{example}}}, "tags": ["typical" or "edge", ...], "assert": [...]}}"""


@dataclass
class Suggestion:
    """What `suggest_cases` stored, which model proposed it, and whether it ran offline."""

    report: CaseReport
    model: str
    provider: str
    offline: bool
    cases: list[ev.Case]


def _items(reply: str) -> list[Any]:
    text = reply.strip()
    start = text.find("[")
    while start != -1:
        try:
            found, _ = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("[", start + 1)
            continue
        if isinstance(found, list):
            return found
        start = text.find("[", start + 1)
    objects = _json_objects(text)
    if objects:
        return objects
    raise ValidationError("the model's reply holds no JSON array of cases")


async def asuggest_cases(
    store: Store,
    request_id: str,
    n: int = 5,
    *,
    provider: str | None = None,
    model: str | None = None,
    seed: int | None = None,
    replay: bool | None = None,
    record: bool | None = None,
) -> Suggestion:
    """Ask a model for `n` test cases of a request and store the good ones (tagged `suggested`)."""
    check_int(n, "the number of cases", 1, MAX_SUGGEST)
    req = store.get_request(request_id)
    choice = resolve(provider, model)
    names = prompt_vars(store, req.id) or ["input"]
    example = ", ".join(f'"{v}": "..."' for v in names)
    prompt = REQUEST.format(count=n, idea=req.input, vars=", ".join(names), example=example)
    mode = recording.resolve_mode(replay, record)
    with recording.use(store, mode=mode), recording.purpose("suggest", f"cases for {req.id[:8]}"):
        done = await acomplete(
            choice,
            prompt,
            system=SYSTEM,
            temperature=0.7 if seed is None else 0.0,
            max_tokens=4000,
            seed=seed,
            model_options={"task": "cases"},
        )
    offline = recording.exempt(choice)
    report = CaseReport()
    items = _items(done.text)[:n]
    report.total = len(items)
    good = []
    meta = {"model": done.model, "provider": choice.provider, "offline": offline}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            report.fail(i, "expected a JSON object")
            continue
        obj = {k: v for k, v in item.items() if k in OUR_FIELDS}
        obj["tags"] = (
            list(dict.fromkeys([*(obj.get("tags") or []), "suggested"]))
            if isinstance(obj.get("tags", []), list)
            else ["suggested"]
        )
        try:
            good.append((i, make_case(req.id, obj, source="suggest", metadata=meta)))
        except ValidationError as exc:
            report.fail(i, str(exc))
    store_cases(store, req.id, good, report)
    if offline:
        report.notes.append(
            f"offline: {choice.model_id} wrote deterministic inputs from the idea (no model was"
            " asked); pass --model for a real model's suggestions"
        )
    cases = [store.get_case(cid) for cid in report.case_ids]
    return Suggestion(report, done.model, choice.provider, offline, cases)


@store_argument
def suggest_cases(store: Store, request_id: str, n: int = 5, **kwargs: Any) -> Suggestion:
    """Synchronous `asuggest_cases` (scripts, notebooks, the workbench)."""
    return run_sync(asuggest_cases(store, request_id, n, **kwargs))


__all__ = ["Suggestion", "asuggest_cases", "suggest_cases"]
