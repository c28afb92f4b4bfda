"""The ingest and paging fast paths against the general code as the oracle: the envelope's
timestamp and UUID checks against `parse_timestamp` and `uuid.UUID`, and SQLite values
rendered or read without SQLAlchemy against SQLAlchemy's own type processing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from rcsc.core.exchange import TICK, NewVersion
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.exchange.envelope import Rejected, _id, check, fast_timestamp
from rcsc.stix.common import parse_timestamp
from rcsc.storage.repos.stix import sqlite_time, sqlite_times, sqlite_version_text
from rcsc.storage.repos.stix_pages import sqlite_utc
from rcsc.storage.types import UtcDateTime

STAMPS = st.one_of(
    st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z\n?", fullmatch=True),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
    st.text(max_size=30))
TAILS = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()),
                  st.uuids().map(lambda u: u.hex), st.uuids().map(lambda u: f"{{{u}}}"),
                  st.uuids().map(lambda u: f"urn:uuid:{u}"), st.text(max_size=40))
SQLITE = sqlite.dialect()
UTC_COLUMN = UtcDateTime().dialect_impl(SQLITE)
AWARE = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=3)),
                                                timezone(timedelta(hours=-7, minutes=-30))]))


def _general(text: str) -> datetime | None:
    try:
        return parse_timestamp(text, "modified")
    except ValidationFailed:
        return None


@settings(max_examples=600, deadline=None)
@given(STAMPS)
def test_fast_timestamp_agrees_with_parse_timestamp(text: str) -> None:
    fast = fast_timestamp(text)
    if fast is not None:  # what it accepts, the general parser reads the same
        assert fast == _general(text) and fast.tzinfo is UTC and fast.utcoffset() == timedelta()


@settings(max_examples=600, deadline=None)
@given(TAILS)
def test_id_check_accepts_exactly_what_uuid_accepts(tail: str) -> None:
    try:
        uuid.UUID(tail)
        expected = True
    except ValueError:
        expected = False
    try:
        _id({"id": f"indicator--{tail}"}, "indicator")
        accepted = True
    except Rejected:
        accepted = False
    assert accepted == expected


@settings(max_examples=300, deadline=None)
@given(AWARE)
def test_sqlite_time_is_what_sqlalchemy_stores(moment: datetime) -> None:
    bind = UTC_COLUMN.bind_processor(SQLITE)
    assert bind is not None
    assert sqlite_time(moment) == bind(moment)


@settings(max_examples=300, deadline=None)
@given(AWARE)
def test_sqlite_utc_is_what_sqlalchemy_reads(moment: datetime) -> None:
    bind, result = UTC_COLUMN.bind_processor(SQLITE), UTC_COLUMN.result_processor(SQLITE, None)
    assert bind is not None and result is not None
    stored = bind(moment)
    read = sqlite_utc(stored)
    assert read == result(stored) and read.tzinfo is UTC


def test_sqlite_time_refuses_a_naive_datetime_as_the_column_does() -> None:
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(datetime(2026, 1, 1))


@settings(max_examples=600, deadline=None)
@given(STAMPS)
def test_version_rendered_from_its_text_is_what_sqlalchemy_stores(text: str) -> None:
    """As the TAXII write path makes them: `version_text` is the text the check read
    `version` from (unusual digits and shapes included)."""
    try:
        checked = check({"type": "note", "id": f"note--{uuid.uuid4()}", "spec_version": "2.1",
                         "created": text, "modified": text, "content": "x",
                         "object_refs": ["note--5d0092c5-5f74-4287-9642-33f4c354e56d"]})
    except Rejected:
        return
    assert checked.version is not None and checked.version_text == text
    version = NewVersion(checked.stix_id, "note", "2.1", checked.version, None, b"{}",
                         Tlp.GREEN, uuid.uuid4(), None, version_text=checked.version_text)
    assert sqlite_version_text(version) == sqlite_time(checked.version)


@settings(max_examples=300, deadline=None)
@given(AWARE, st.integers(min_value=0, max_value=2500))
def test_dates_added_counted_as_text_are_each_a_microsecond_later(first: datetime,
                                                                  count: int) -> None:
    assert sqlite_times(first, count) == [sqlite_time(first + TICK * n) for n in range(count)]


def test_extensions_that_are_not_an_object_refuse_the_object_naming_the_field() -> None:
    with pytest.raises(Rejected, match="^extensions: must be an object"):
        check({"type": "note", "id": f"note--{uuid.uuid4()}", "spec_version": "2.1",
               "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
               "content": "x", "object_refs": ["note--5d0092c5-5f74-4287-9642-33f4c354e56d"],
               "extensions": ["not", "an", "object"]})
