"""Choosing among equivalent nearest-neighbour strategies by timing them live (see vector_index)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

# Every EXPLORE_EVERY-th call re-times a strategy other than the current best.
EXPLORE_EVERY = 16


class StrategyTuner:
    """Pick the fastest of equivalent query strategies from live timings.

    They return identical neighbours but their speed flips with machine load: on an idle 2-core
    box OpenMP "parallel on Y" over both cores was fastest (1.3-2× the numpy floor at 100k),
    while with other processes busy its per-chunk barriers made it 4-8× and one thread was best
    (1.6-2×). So each strategy's cost per row is tracked as a moving average: each is run twice
    first (the first run pays one-off costs such as starting OpenMP threads and is not counted),
    then the cheapest runs, with every EXPLORE_EVERY-th call re-timing another one.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.cost: dict[str, float | None] = dict.fromkeys(names)
        self.runs: dict[str, int] = dict.fromkeys(names, 0)
        self.calls = 0
        self._lock = threading.Lock()

    def pick(self) -> str:
        """Return the strategy to run next."""
        with self._lock:
            self.calls += 1
            for name, cost in self.cost.items():
                if cost is None:
                    return name
            best = min(self.cost, key=lambda n: self.cost[n] or 0.0)
            if self.calls % EXPLORE_EVERY == 0:
                others = [n for n in self.cost if n != best]
                return others[(self.calls // EXPLORE_EVERY) % len(others)]
            return best

    def record(self, name: str, seconds_per_row: float) -> None:
        """Fold one timing into the strategy's moving average (a strategy's first run is not)."""
        with self._lock:
            self.runs[name] += 1
            if self.runs[name] == 1:
                return
            old = self.cost[name]
            self.cost[name] = seconds_per_row if old is None else 0.5 * old + 0.5 * seconds_per_row

    @property
    def best(self) -> str | None:
        """The strategy currently preferred (None before every one has been timed)."""
        if any(c is None for c in self.cost.values()):
            return None
        return min(self.cost, key=lambda n: self.cost[n] or 0.0)


__all__ = ["EXPLORE_EVERY", "StrategyTuner"]
