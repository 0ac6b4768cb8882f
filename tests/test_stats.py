"""Tests for alchemy_kit.scoring.stats: Wilson intervals and paired tests against hand and scipy values."""

from __future__ import annotations

import math

import pytest

from alchemy_kit.scoring.stats import MIN_DISCORDANT, compare, paired_bootstrap, sign_test, wilson


def test_wilson_by_hand() -> None:
    # 8 of 10, z = 1.96, z² = 3.8416: denominator 1 + 3.8416/10 = 1.38416;
    # centre (0.8 + 3.8416/20) / 1.38416 = 0.716738;
    # half 1.96 * sqrt(0.8 * 0.2 / 10 + 3.8416/400) / 1.38416 = 1.96 * 0.160012 / 1.38416 = 0.226580
    lo, hi = wilson(8, 10, z=1.96)
    assert lo == pytest.approx(0.490158, abs=1e-5) and hi == pytest.approx(0.943318, abs=1e-5)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (1, 3), (37, 120), (0, 1)])
def test_wilson_matches_statsmodels_formula_via_scipy(k: int, n: int) -> None:
    from scipy.stats import binomtest

    lo, hi = wilson(k, n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)
    assert 0 <= lo <= k / n <= hi <= 1


def test_wilson_without_data_is_the_whole_range() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(5, 3)


@pytest.mark.parametrize(("wins", "losses"), [(9, 1), (7, 3), (0, 8), (12, 12), (15, 2)])
def test_sign_test_matches_scipy(wins: int, losses: int) -> None:
    from scipy.stats import binomtest

    expected = binomtest(wins, wins + losses, 0.5, alternative="two-sided").pvalue
    assert sign_test(wins, losses) == pytest.approx(expected, rel=1e-12)


def test_sign_test_by_hand() -> None:
    # 9 wins, 1 loss: 2 * (C(10,0) + C(10,1)) / 2**10 = 22 / 1024
    assert sign_test(9, 1) == pytest.approx(22 / 1024)
    assert sign_test(0, 0) == 1.0


def test_compare_declares_a_winner_only_with_enough_discordant_cases() -> None:
    few = compare("a", "b", [(1, 0)] * 3 + [(1, 1)] * 30)
    assert not few.enough and few.winner is None and "not enough cases" in few.summary
    many = compare("a", "b", [(1, 0)] * 10 + [(0, 1)] * 1 + [(1, 1)] * 5)
    assert many.enough and many.winner == "a" and many.p_value == pytest.approx(sign_test(10, 1))
    assert many.method.startswith("sign test") and "A is better" in many.summary
    even = compare("a", "b", [(1, 0)] * 6 + [(0, 1)] * 5)
    assert even.enough and even.winner is None and "no significant difference" in even.summary
    assert MIN_DISCORDANT == 8


def test_graded_scores_use_a_paired_bootstrap() -> None:
    pairs = [(0.9, 0.5), (0.8, 0.6), (0.7, 0.4), (0.95, 0.55), (0.6, 0.5), (0.85, 0.45)] * 2
    v = compare("a", "b", pairs)
    assert v.method == "paired bootstrap" and v.winner == "a" and v.p_value < 0.01
    assert v.interval is not None and 0 < v.interval[0] < v.effect < v.interval[1]
    assert not compare("a", "b", pairs[:5]).enough  # below MIN_PAIRS


def test_paired_bootstrap_centres_on_the_mean() -> None:
    diffs = [0.1, 0.2, 0.0, 0.3, 0.1, 0.2, 0.15, 0.05]
    lo, hi, p = paired_bootstrap(diffs, seed=1)
    assert lo < sum(diffs) / len(diffs) < hi and p < 0.05
    assert paired_bootstrap([0.0] * 8)[2] == 1.0
    assert math.isclose(paired_bootstrap([])[2], 1.0)
