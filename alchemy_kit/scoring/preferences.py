"""The researcher's picks: A over B, best of the phase, a thumb, a 1–5 rating — recorded and reversible.

Every pick is a row of `preferences`, attributed (who, when, the order the prompts were shown in)
and deleted to take it back. After each change the prompts it touches are re-scored, so their
ranks move at once (see rank.py for how picks blend into a score); `alchemy learn` later turns
the accumulated picks into scorer weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import records as r
from ..errors import ValidationError
from ..records import whoami
from ..store.calling import store_argument
from .rank import rescore

if TYPE_CHECKING:
    from ..store import Store


def _record(store: Store, picks: Sequence[r.Preference]) -> list[r.Preference]:
    touched = {p.prompt_id for p in picks} | {p.other_prompt_id for p in picks if p.other_prompt_id}
    with store.transaction():  # a pick and the scores it changes land together, or neither
        store.add_preferences(picks)
        rescore(store, sorted(touched))
    return list(picks)


@store_argument
def prefer(
    store: Store,
    better_id: str,
    worse_id: str,
    *,
    who: str | None = None,
    tie: bool = False,
    shown_order: Sequence[str] = (),
    note: str | None = None,
) -> r.Preference:
    """Record that `better_id` is preferred over `worse_id` (or that they tie)."""
    better, worse = store.get_prompt(better_id), store.get_prompt(worse_id)
    pick = r.Preference(
        "pairwise",
        better.id,
        0 if tie else 1,
        who or whoami(),
        other_prompt_id=worse.id,
        shown_order=list(shown_order),
        note=note,
    )
    return _record(store, [pick])[0]


@store_argument
def pick_best(
    store: Store,
    prompt_id: str,
    *,
    who: str | None = None,
    shown_order: Sequence[str] = (),
    note: str | None = None,
) -> list[r.Preference]:
    """Record that a prompt is the best of its phase: preferred over each sibling, atomically."""
    best = store.get_prompt(prompt_id)
    siblings = store.siblings(best.id)
    others = [p for p in siblings if p.id != best.id]
    if not others:
        raise ValidationError(f"prompt {best.id} has no siblings to be preferred over")
    name = who or whoami()
    shown = list(shown_order) or [p.id for p in siblings]
    picks = [
        r.Preference(
            "pairwise", best.id, 1, name, other_prompt_id=o.id, shown_order=shown, note=note
        )
        for o in others
    ]
    return _record(store, picks)


@store_argument
def thumb(
    store: Store, prompt_id: str, up: bool, *, who: str | None = None, note: str | None = None
) -> r.Preference:
    """Record a thumb up (True) or down (False) on a prompt."""
    p = store.get_prompt(prompt_id)
    return _record(
        store, [r.Preference("thumb", p.id, 1 if up else -1, who or whoami(), note=note)]
    )[0]


@store_argument
def rate(
    store: Store, prompt_id: str, rating: int, *, who: str | None = None, note: str | None = None
) -> r.Preference:
    """Record a 1–5 rating of a prompt."""
    p = store.get_prompt(prompt_id)
    pick = r.Preference("rating", p.id, rating, who or whoami(), note=note)
    return _record(store, [pick])[0]


@store_argument
def undo(store: Store, preference_id: str) -> None:
    """Take a pick back and re-score the prompts it touched."""
    pick = store.get_preference(preference_id)
    with store.transaction():
        store.delete_preference(preference_id)
        rescore(store, [i for i in (pick.prompt_id, pick.other_prompt_id) if i])


@store_argument
def picks(
    store: Store,
    *,
    by: str | None = None,
    prompt_ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[r.Preference]:
    """The recorded picks, oldest first: all, those `by` one researcher, or those on `prompt_ids`.

    A list of Preference rows (kind pairwise/thumb/rating, value, who, shown order, note); it
    renders as a table in a notebook. `ak.undo_pick(store, pick.id)` takes one back.
    """
    return store.preferences(who=by, prompt_ids=prompt_ids, limit=limit)


__all__ = ["pick_best", "picks", "prefer", "rate", "thumb", "undo", "whoami"]
