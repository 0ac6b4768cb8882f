"""Row records: defaults that agree with the database's CHECK constraints."""

from __future__ import annotations

import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.errors import ValidationError


def test_a_finished_request_built_in_one_call_never_ends_before_it_began(db_path) -> None:
    # `completed_at=r.now()` is evaluated before the dataclass stamps created_at: that order once
    # broke CHECK (completed_at >= created_at) in about 1 of 65 tries whenever the clock ticked
    # between the two. Looping makes a regression show on every run, not on one in seven.
    with ak.open_store(db_path) as store, store.transaction():
        for i in range(5000):
            req = r.Request(input=f"idea {i}", status="completed", completed_at=r.now())
            assert req.created_at <= req.completed_at
            store._create_request(req)
    with ak.open_store(db_path) as store:
        assert store.counts()["prompt_requests"] == 5000


def test_a_request_keeps_the_created_at_it_was_given() -> None:
    req = r.Request(input="x", created_at="2026-01-02T03:04:05.000Z")
    assert req.created_at == "2026-01-02T03:04:05.000Z"
    assert r.Request(input="x").created_at  # stamped when not given


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            r.Request(
                input="x",
                status="completed",
                created_at="2026-01-02T00:00:00Z",
                completed_at="2026-01-01T00:00:00Z",
            ),
            "completed_at 2026-01-01T00:00:00.000Z is before created_at",
        ),
        (r.Request(input="x", status="failed"), "a failed row needs completed_at"),
        (
            r.PhaseRun(
                request_id=r.new_id(),
                phase="solutio",
                provider="local",
                model="m",
                status="completed",
            ),
            "a completed row needs completed_at",
        ),
        (
            r.PhaseRun(
                request_id=r.new_id(),
                phase="solutio",
                provider="local",
                model="m",
                completed_at=r.now(),
            ),
            "needs started_at",
        ),
    ],
)
def test_impossible_lifecycles_are_a_validation_error(record: object, message: str) -> None:
    # The database would refuse them too (CHECK); the Python check names the field instead.
    with pytest.raises(ValidationError, match=message):
        r.validate(record)
