"""Statistics a researcher can trust: pass-rate intervals and paired tests of "does A beat B?".

- Pass rate: the Wilson score interval (95 % by default), which stays inside [0, 1] and behaves at
  0 or n passes, unlike the normal approximation.
- A vs B on the same cases: a paired comparison over the (case, model) units both were run on.
  With pass/fail grades, the exact sign test on the discordant pairs (the exact form of McNemar's
  test); with graded scores, a paired bootstrap of the mean difference. Below MIN_DISCORDANT
  discordant pairs (or MIN_PAIRS pairs for graded scores) the verdict is "not enough cases",
  whatever the difference looks like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
MIN_DISCORDANT = 8
MIN_PAIRS = 8
ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 4000


def wilson(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for `passed` successes out of `n` (0..1; (0, 1) when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= passed <= n:
        raise ValueError(f"passed must be within 0..{n}, got {passed}")
    p = passed / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n passes the bound is exactly 0 or 1; rounding would leave it a hair inside.
    low = 0.0 if passed == 0 else max(0.0, centre - half)
    high = 1.0 if passed == n else min(1.0, centre + half)
    return low, high


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact binomial p-value (p = ½) for `wins` against `losses`; ties are left out."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1))
    return min(1.0, 2 * tail / 2**n)


def paired_bootstrap(
    diffs: Sequence[float], *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """(low, high, p) for the mean of paired differences: a 95 % percentile interval, and the
    two-sided p-value that the mean is zero (twice the share of resampled means on the far side)."""
    import numpy as np

    d = np.asarray(diffs, dtype=float)
    if d.size == 0:
        return 0.0, 0.0, 1.0
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(resamples, d.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    if d.mean() == 0:
        return float(low), float(high), 1.0
    far = np.mean(means <= 0) if d.mean() > 0 else np.mean(means >= 0)
    # +1 smoothing: a finite bootstrap never proves p = 0.
    p = min(1.0, 2 * (far * resamples + 1) / (resamples + 1))
    return float(low), float(high), float(p)


@dataclass
class Verdict:
    """Does A beat B on the units (case × model) both were run on?"""

    a: str
    b: str
    n: int  # paired units
    a_wins: int  # units where A did better
    b_wins: int
    ties: int
    effect: float  # mean of A − B (pass-rate difference for pass/fail)
    p_value: float | None
    method: str
    enough: bool
    winner: str | None  # "a", "b", or None (no significant difference, or not enough cases)
    interval: tuple[float, float] | None = None  # of the effect, for graded scores

    @property
    def summary(self) -> str:
        """One sentence a researcher can act on."""
        if self.n == 0:
            return "no shared cases: run both prompts on the same cases first"
        if not self.enough:
            need = MIN_DISCORDANT if self.method.startswith("sign") else MIN_PAIRS
            return (
                f"not enough cases: {self.a_wins + self.b_wins} of {self.n} shared cases differ"
                f" (at least {need} needed before declaring a winner)"
            )
        p = f"p = {self.p_value:.3g}"
        if self.winner is None:
            return f"no significant difference ({self.method}, {p}, n = {self.n})"
        who = "A" if self.winner == "a" else "B"
        return f"{who} is better by {abs(self.effect):.3f} ({self.method}, {p}, n = {self.n})"


def compare(
    a: str,
    b: str,
    pairs: Sequence[tuple[float, float]],
    *,
    alpha: float = ALPHA,
    seed: int = 0,
) -> Verdict:
    """Compare A and B from (A's grade, B's grade) per shared unit, grades in 0..1.

    All-binary grades get the exact sign test; anything finer a paired bootstrap.
    """
    n = len(pairs)
    a_wins = sum(1 for x, y in pairs if x > y)
    b_wins = sum(1 for x, y in pairs if y > x)
    ties = n - a_wins - b_wins
    diffs = [x - y for x, y in pairs]
    effect = sum(diffs) / n if n else 0.0
    binary = all(x in (0, 1) and y in (0, 1) for x, y in pairs)
    interval = None
    if binary:
        method = "sign test (exact McNemar)"
        enough = a_wins + b_wins >= MIN_DISCORDANT
        p: float | None = sign_test(a_wins, b_wins) if n else None
    else:
        method = "paired bootstrap"
        enough = n >= MIN_PAIRS and a_wins + b_wins > 0
        if n:
            low, high, p = paired_bootstrap(diffs, seed=seed)
            interval = (low, high)
        else:
            p = None
    winner = None
    if enough and p is not None and p < alpha and effect != 0:
        winner = "a" if effect > 0 else "b"
    return Verdict(a, b, n, a_wins, b_wins, ties, effect, p, method, enough, winner, interval)


__all__ = [
    "ALPHA",
    "MIN_DISCORDANT",
    "MIN_PAIRS",
    "Verdict",
    "compare",
    "paired_bootstrap",
    "sign_test",
    "wilson",
]
