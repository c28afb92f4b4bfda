"""The trend test on synthetic series (seeded): a known rise is found, flat series are
flagged no more often than the documented false-positive rate (docs/analytics.md)."""

from __future__ import annotations

import math
import random

import pytest

from rcsc.analytics.trends import ALPHA, BASELINE_WEEKS, RECENT_WEEKS, assess, rate_test


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method for small rates, a normal approximation beyond (never needed here
    beyond 100 a window)."""
    if rate > 60:
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    limit, k, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _series(rng: random.Random, weekly: float, rise: float = 1.0) -> tuple[int, int]:
    recent = sum(_poisson(rng, weekly * rise) for _ in range(RECENT_WEEKS))
    baseline = sum(_poisson(rng, weekly) for _ in range(BASELINE_WEEKS))
    return recent, baseline


def test_equal_rates_give_a_ratio_of_one_and_no_evidence() -> None:
    result = rate_test(4, 12)
    assert result.rate_ratio == pytest.approx(1.0)
    assert result.ci_low < 1.0 < (result.ci_high or math.inf)
    assert result.p_value > 0.4


def test_a_doubling_of_a_busy_series_is_significant_with_its_ratio() -> None:
    result = rate_test(80, 120)  # 20 a week against 10 a week
    assert result.rate_ratio == pytest.approx(2.0)
    assert result.ci_low > 1.3 and result.ci_high is not None and result.ci_high < 3.0
    assert result.p_value < 1e-5


def test_a_series_new_in_the_recent_weeks_has_an_unbounded_ratio() -> None:
    result = rate_test(9, 0)
    assert result.rate_ratio is None and result.ci_high is None
    assert result.p_value == pytest.approx(0.25 ** 9)


def test_a_known_rise_among_flat_series_is_detected_and_only_it() -> None:
    rng = random.Random(7)
    series = [("country", f"C{i}", *_series(rng, 10.0)) for i in range(20)]
    series.append(("country", "RISE", *_series(rng, 10.0, rise=2.0)))
    found = assess(series)
    assert [t.key for t in found if t.increase] == ["RISE"]
    assert found[0].key == "RISE" and found[0].q_value < ALPHA


def test_a_modest_rise_is_found_most_of_the_time() -> None:
    rng = random.Random(11)
    hits = sum(assess([("sector", "energy", *_series(rng, 8.0, rise=1.8))])[0].increase
               for _ in range(300))
    assert hits / 300 > 0.8


def test_flat_series_are_flagged_at_most_at_the_documented_rate() -> None:
    """Per series, an exact conditional test rejects a true null at most α of the time;
    across a family of flat series, Benjamini-Hochberg flags any at most α of the time.
    Three standard errors of slack over 300 simulated families of 15 series."""
    rng = random.Random(2026)
    families, raw, any_flag = 300, 0, 0
    for _ in range(families):
        series = [("rsit_class", f"k{i}", *_series(rng, rng.choice((2.0, 5.0, 15.0, 40.0))))
                  for i in range(15)]
        results = assess(series)
        raw += sum(t.test.p_value < ALPHA for t in results)
        any_flag += any(t.increase for t in results)
    per_series = raw / (families * 15)
    assert per_series <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / (families * 15))
    assert any_flag / families <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / families)


def test_a_fall_is_never_an_increase() -> None:
    found = assess([("country", "LT", 4, 120)])
    assert not found[0].increase and found[0].test.p_value > 0.99


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (10, 10), (40, 200)])
def test_the_interval_is_scipys_exact_one(k: int, n: int) -> None:
    from scipy.stats import binomtest

    from rcsc.analytics.trends import clopper_pearson

    ci = binomtest(k, n).proportion_ci(0.95, method="exact")
    assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high))
