"""Formats are told by content, not by the file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcsc.errors import ValidationFailed
from rcsc.exchange.files.formats import Format, detect, detect_path, parse_format
from tests.exchange.files.support import DATA


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("x.txt", (DATA / "stix_bundle.json").read_bytes(), Format.STIX),
    ("x.csv", b'\xef\xbb\xbf {"objects": []}', Format.STIX),
    ("event.stix", (DATA / "misp_event.json").read_bytes(), Format.MISP),
    ("x.json", b'{"response": [{"Event": {}}]}', Format.MISP),
    ("x.json", b'[{"Event": {}}]', Format.MISP),
    ("export.txt", (DATA / "values.csv").read_bytes(), Format.CSV),
    ("x.zip", b"PK\x03\x04rest", Format.MISP_FEED),
])
def test_detects_by_content(name: str, data: bytes, expected: Format) -> None:
    assert detect(name, data) is expected


@pytest.mark.parametrize("data", [b'{"hello": 1}', b"just some words\n", b"{not json"])
def test_unknown_content_names_the_format_or_file(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        detect("x.bin", data)
    assert caught.value.errors[0].field in {"format", "file"}


def test_a_directory_is_a_feed_only_with_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        detect_path(tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    assert detect_path(tmp_path) is Format.MISP_FEED
    with pytest.raises(ValidationFailed) as caught:
        parse_format("xml")
    assert caught.value.errors[0].field == "format"
