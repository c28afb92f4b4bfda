"""Offsets, the status workflow and the clock arithmetic, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.core.exercises import (
    TRANSITIONS,
    ExerciseClock,
    ExerciseStatus,
    format_offset,
    may_transition,
    parse_offset,
)
from rcsc.errors import ValidationFailed

T0 = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("D+1 H+03:45", 86400 + 3 * 3600 + 45 * 60),
    ("D+0 H+00:00", 0),
    ("H+2", 7200),
    ("M+90", 5400),
    ("D+2 H+3 M+45", 2 * 86400 + 3 * 3600 + 45 * 60),
    ("h+00:00:30", 30),
    ("  D+0 H+01:02:03 ", 3723),
])
def test_offsets_parse(text: str, seconds: int) -> None:
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "tomorrow", "D+1 H+03:75", "H+1:2", "D-1", "3:45"])
def test_bad_offsets_are_refused_by_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_offset(text, "offset")
    assert caught.value.errors[0].field == "offset"


@given(st.integers(min_value=0, max_value=400 * 86400))
def test_format_then_parse_gives_the_same_seconds(seconds: int) -> None:
    assert parse_offset(format_offset(seconds)) == seconds


def test_canonical_offset_form() -> None:
    assert format_offset(86400 + 3 * 3600 + 45 * 60) == "D+1 H+03:45"
    assert format_offset(59) == "D+0 H+00:00:59"


def test_workflow_of_the_issue() -> None:
    s = ExerciseStatus
    path = [s.DRAFT, s.PLANNING, s.READY, s.RUNNING, s.PAUSED, s.RUNNING, s.COMPLETED,
            s.EVALUATED]
    assert all(may_transition(a, b) for a, b in zip(path, path[1:], strict=False))
    assert not may_transition(s.COMPLETED, s.RUNNING)
    assert not may_transition(s.DRAFT, s.RUNNING)
    assert TRANSITIONS[s.EVALUATED] == TRANSITIONS[s.CANCELLED] == frozenset()
    assert all(s.CANCELLED in TRANSITIONS[x] for x in (s.DRAFT, s.PLANNING, s.READY,
                                                      s.RUNNING, s.PAUSED))


def test_elapsed_stands_still_during_a_pause_and_excludes_ended_pauses() -> None:
    clock = ExerciseClock(started_at=T0, paused_seconds=600)
    assert clock.elapsed(T0 + timedelta(hours=1)) == timedelta(minutes=50)
    paused = ExerciseClock(started_at=T0, paused_at=T0 + timedelta(minutes=30))
    assert paused.elapsed(T0 + timedelta(hours=5)) == timedelta(minutes=30)
    assert clock.due_at(60) == T0 + timedelta(seconds=660)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(1, 120), st.integers(1, 120)), max_size=4),
       st.integers(0, 300))
def test_due_second_across_any_pauses_matches_a_second_by_second_count(
        pauses: list[tuple[int, int]], offset: int) -> None:
    """Exercise time counted second by second (standing still while paused) reaches the
    offset at the same wall second at which the stored clock says the inject is due."""
    from dataclasses import replace

    from rcsc.exercises.clock import end_pause

    schedule: dict[int, str] = {}  # wall second -> "pause" or "resume"
    t = 0
    for run, hold in pauses:
        t += run
        schedule[t] = "pause"
        t += hold
        schedule[t] = "resume"
    clock, expected, counted = ExerciseClock(started_at=T0), None, 0
    first_due = None
    for second in range(0, t + offset + 2):
        now = T0 + timedelta(seconds=second)
        action = schedule.get(second)
        if action == "pause":
            clock = replace(clock, paused_at=now)
        elif action == "resume":
            clock = end_pause(clock, now)
        if expected is None and counted >= offset:
            expected = second
        if first_due is None and clock.elapsed(now) >= timedelta(seconds=offset):
            first_due = second
        if clock.paused_at is None:
            counted += 1
    assert first_due == expected
