"""Small-cell suppression: no published count below the minimum, and none that could be
worked out from the others by subtraction.

A table is a set of cells (counts) and *lines*: groups of cells one of which is the total of
the others (a week's total and that week's count per country; a country's total and its
count per week; the grand total and the weekly totals). Primary suppression hides every
cell with 0 < n < minimum. Secondary (complementary) suppression then, for as long as some
line has exactly one hidden cell — which the line's other cells would give away — hides the
smallest non-zero shown cell of that line. Zeros are shown: a zero identifies no incident.
Margins shared by several tables (the weekly totals behind every dimension) are suppressed
once, over all the tables together, so one table cannot undo another's suppression.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def hidden_cells(cells: Mapping[K, int], lines: Sequence[Sequence[K]], minimum: int) -> set[K]:
    """The cells to hide (see the module's docstring); `minimum` 1 hides nothing."""
    hidden = {key for key, n in cells.items() if 0 < n < minimum}
    if not hidden:
        return hidden
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for key in line if key in hidden) != 1:
                continue
            shown = sorted((cells[key], str(key)) for key in line
                           if key not in hidden and cells[key] > 0)
            if shown:
                lookup = {str(key): key for key in line}
                hidden.add(lookup[shown[0][1]])
                changed = True
    return hidden


def shown(n: int, minimum: int) -> int | None:
    """A count on its own (no line to hide it in): None when it is a small cell."""
    return None if 0 < n < minimum else n


def exposed_lines(cells: Mapping[K, int | None], lines: Sequence[Sequence[K]]) -> list[int]:
    """The indices of the lines with exactly one hidden cell (for tests: must be none)."""
    return [i for i, line in enumerate(lines)
            if sum(1 for key in line if cells[key] is None) == 1]
