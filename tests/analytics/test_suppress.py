"""Small-cell suppression as a truth table: what is hidden, and that no hidden cell can be
had back from the others of its line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcsc.analytics.aggregates import Filters, buckets, percentile
from rcsc.analytics.suppress import exposed_lines, hidden_cells
from rcsc.errors import ValidationFailed


@pytest.mark.parametrize(("counts", "hidden"), [
    ({"t": 10, "a": 5, "b": 5}, set()),  # nothing small
    ({"t": 9, "a": 1, "b": 8}, {"a", "b"}),  # one small: its neighbour goes too
    ({"t": 8, "a": 1, "b": 0, "c": 7}, {"a", "c"}),  # a zero never hides anything
    ({"t": 2, "a": 2, "b": 0}, {"t", "a"}),  # the total itself is small
    ({"t": 14, "a": 1, "b": 2, "c": 11}, {"a", "b"}),  # two small ones cover each other
    ({"t": 13, "a": 1, "b": 4, "c": 8}, {"a", "b"}),  # the smallest shown one goes
])
def test_one_line(counts: dict[str, int], hidden: set[str]) -> None:
    assert hidden_cells(counts, [["t", *sorted(k for k in counts if k != "t")]], 3) == hidden


def test_a_minimum_of_one_hides_nothing() -> None:
    assert hidden_cells({"t": 1, "a": 1}, [["t", "a"]], 1) == set()


@given(st.lists(st.lists(st.integers(0, 6), min_size=1, max_size=4), min_size=1, max_size=4),
       st.integers(1, 5))
def test_no_two_way_table_line_has_one_hidden_cell(rows: list[list[int]], minimum: int) -> None:
    width = max(len(r) for r in rows)
    grid = [r + [0] * (width - len(r)) for r in rows]
    cells: dict[object, int] = {(i, j): n for i, r in enumerate(grid) for j, n in enumerate(r)}
    cells.update({("row", i): sum(r) for i, r in enumerate(grid)})
    cells.update({("col", j): sum(r[j] for r in grid) for j in range(width)})
    cells["all"] = sum(map(sum, grid))
    lines: list[list[object]] = [[("row", i), *((i, j) for j in range(width))]
                                 for i in range(len(grid))]
    lines += [[("col", j), *((i, j) for i in range(len(grid)))] for j in range(width)]
    lines += [["all", *(("row", i) for i in range(len(grid)))],
              ["all", *(("col", j) for j in range(width))]]
    hidden = hidden_cells(cells, lines, minimum)
    published = {k: None if k in hidden else n for k, n in cells.items()}
    assert all(n is None or n == 0 or n >= minimum for n in published.values())
    assert exposed_lines(published, lines) == []


def test_weeks_and_months_of_a_period() -> None:
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)
    assert buckets(start, end, "week") == ["2026-W47", "2026-W48", "2026-W49", "2026-W50"]
    assert buckets(start, end, "month") == ["2026-11", "2026-12"]
    with pytest.raises(ValidationFailed):
        Filters(end, start)


def test_nearest_rank_percentiles() -> None:
    assert percentile([(1, 1), (5, 1), (9, 2)], 0.5) == 5
    assert percentile([(1, 1), (5, 1), (9, 2)], 0.9) == 9
    assert percentile([], 0.5) is None
