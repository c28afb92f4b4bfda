"""Tested increases: for each country, sector and RSIT class, is the rate of the last four
weeks higher than that of the twelve weeks before?

The method (docs/analytics.md): counts of incidents in two windows of lengths t1 (recent)
and t0 (baseline) are taken as Poisson with rates r1 and r0. Given their sum n, the recent
count is Binomial(n, t1 / (t1 + t0)) when r1 = r0 — the conditional test of Przyborowski
and Wilenski (1940) — so an exact one-sided binomial test (scipy.stats.binomtest) gives the
p-value of "r1 > r0", and the Clopper-Pearson interval of the binomial proportion π turns
into an exact interval of the rate ratio r1/r0 = π/(1−π) · t0/t1. The p-values of all the
series tested together are adjusted by Benjamini-Hochberg; a series is a tested increase
when its adjusted value is below α (0.05).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType

from rcsc.analytics.aggregates import UNKNOWN, Filters
from rcsc.analytics.days import Days
from rcsc.core.identity import Principal
from rcsc.core.permissions import Action, require
from rcsc.incidents.service import viewer_for
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.analytics import AnalyticsRepo, DayCount

RECENT_WEEKS = 4
BASELINE_WEEKS = 12
ALPHA = 0.05
CONFIDENCE = 0.95
TESTED = ("country", "sector", "rsit_class")


@dataclass(frozen=True)
class RateTest:
    rate_ratio: float | None  # None: no baseline incident (infinite)
    ci_low: float
    ci_high: float | None  # None: unbounded
    p_value: float


@dataclass(frozen=True)
class Trend:
    dimension: str
    key: str
    recent: int
    baseline: int
    test: RateTest
    q_value: float  # the Benjamini-Hochberg adjusted p-value
    increase: bool


def _ratio(share: float, t1: float, t0: float) -> float | None:
    if share >= 1.0:
        return None
    return share / (1.0 - share) * t0 / t1


def _stats() -> ModuleType:
    """scipy.stats, imported on first use (about a second), not when the server starts."""
    import scipy.stats  # type: ignore[import-untyped]

    stats: ModuleType = scipy.stats
    return stats


def rate_test(recent: int, baseline: int, t1: float = RECENT_WEEKS,
              t0: float = BASELINE_WEEKS) -> RateTest:
    """The exact conditional test of "the recent rate is higher" (see the module)."""
    n = recent + baseline
    if n == 0:
        return RateTest(None, 0.0, None, 1.0)
    expected = t1 / (t1 + t0)
    p_value = float(_stats().binomtest(recent, n, expected, alternative="greater").pvalue)
    low, high = clopper_pearson(recent, n)
    ratio = (recent / t1) / (baseline / t0) if baseline else None
    return RateTest(ratio, _ratio(low, t1, t0) or 0.0, _ratio(high, t1, t0), p_value)


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact two-sided interval of a binomial proportion, from the beta quantiles
    (what `binomtest(...).proportion_ci(method="exact")` gives, without its root search)."""
    tail = (1 - confidence) / 2
    low = float(_stats().beta.ppf(tail, k, n - k + 1)) if k > 0 else 0.0
    high = float(_stats().beta.ppf(1 - tail, k + 1, n - k)) if k < n else 1.0
    return low, high


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    if not p_values:
        return []
    return [float(q) for q in _stats().false_discovery_control(list(p_values), method="bh")]


def assess(series: Sequence[tuple[str, str, int, int]], alpha: float = ALPHA,
                t1: float = RECENT_WEEKS, t0: float = BASELINE_WEEKS) -> list[Trend]:
    """(dimension, key, recent count, baseline count) for each series: all tested as one
    family; increases first, then by p-value."""
    tests = [rate_test(r, b, t1, t0) for _d, _k, r, b in series]
    adjusted = benjamini_hochberg([t.p_value for t in tests])
    trends = [Trend(d, k, r, b, t, q, q < alpha and (t.rate_ratio is None or t.rate_ratio > 1))
              for (d, k, r, b), t, q in zip(series, tests, adjusted, strict=True)]
    return sorted(trends, key=lambda t: (not t.increase, t.test.p_value, t.dimension, t.key))


@dataclass(frozen=True)
class TrendReport:
    as_of: datetime  # the recent window ends here
    trends: list[Trend]
    untested: list[tuple[str, str]]  # series with too few incidents to show a test of


def windows(as_of: datetime) -> tuple[datetime, datetime, datetime]:
    """(baseline start, recent start, end): twelve weeks, then four, up to `as_of`."""
    recent = as_of - timedelta(weeks=RECENT_WEEKS)
    return recent - timedelta(weeks=BASELINE_WEEKS), recent, as_of


def _days(uow: UnitOfWork, actor: Principal, filters: Filters,
          given: Days | None) -> dict[str | None, list[DayCount]]:
    """The daily counts of the windows: from `given` (read for the same actor, e.g. by the
    dashboard's aggregates) when it covers them with the same filter, else read now."""
    if given is None or not given.covers(filters):
        daily = AnalyticsRepo(uow.session).daily(viewer_for(uow, actor), filters.query())
        given = Days(filters.start, filters.end, filters.countries, filters.sectors,
                     filters.exercise, daily)
    by, _heat = given.within(filters)
    return by


def _counts(uow: UnitOfWork, actor: Principal, filters: Filters, recent_start: datetime,
            given: Days | None = None) -> dict[tuple[str, str], list[int]]:
    by = _days(uow, actor, filters, given)
    counts: dict[tuple[str, str], list[int]] = {}
    for dimension in TESTED:
        per: Counter[tuple[str, bool]] = Counter()
        for row in by[dimension]:
            key = row.key or UNKNOWN
            if dimension == "country" and filters.countries and key not in filters.countries:
                continue
            per[(key, row.day >= recent_start.date())] += row.count
        for key in sorted({k for k, _r in per}):
            counts[(dimension, key)] = [per[(key, True)], per[(key, False)]]
    return counts


def trends(uow: UnitOfWork, actor: Principal, as_of: datetime, minimum: int, *,
           countries: frozenset[str] = frozenset(), sectors: frozenset[str] = frozenset(),
           alpha: float = ALPHA, days: Days | None = None) -> TrendReport:
    """The tests over what `actor` may see. `as_of` should be a midnight (UTC): windows
    are whole days. `days`: daily counts already read for `actor` (used if they cover the
    windows with the same filter). A series whose recent or baseline count is a small
    cell (0 < n < `minimum`) is not tested: its ratio and p-value would give it away."""
    require(actor, Action.INCIDENT_READ)
    start, recent_start, end = windows(as_of)
    filters = Filters(start, end, countries, sectors)
    counts = _counts(uow, actor, filters, recent_start, days)
    small = [(d, k) for (d, k), (r, b) in counts.items()
             if 0 < r < minimum or 0 < b < minimum]
    series = [(d, k, r, b) for (d, k), (r, b) in counts.items() if (d, k) not in small]
    return TrendReport(as_of, assess(series, alpha), small)


def finite(value: float | None) -> float | None:
    """For JSON: None stands for infinity."""
    return None if value is None or math.isinf(value) else value
