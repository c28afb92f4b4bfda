"""From what the user gave (paths on the command line, an uploaded file) to import units:
the format is told by the content unless named; a MISP feed becomes one unit per event.
A file that cannot be read or told apart becomes a unit that is rejected with the reason,
so a run over many files reports every one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from rcsc.core.identity import Principal
from rcsc.errors import ValidationFailed
from rcsc.exchange.files import csv_in, misp_in, stix_in
from rcsc.exchange.files.formats import ZIP_MAGIC, Format, detect, detect_path
from rcsc.exchange.files.importer import Built, Context, Options, Unit, import_unit
from rcsc.exchange.files.report import FileReport, ImportReport
from rcsc.storage import Database

_MAKERS: dict[Format, Callable[[str, bytes], Unit]] = {
    Format.STIX: stix_in.unit, Format.MISP: misp_in.unit, Format.CSV: csv_in.unit}


def refused(name: str, fmt: Format, error: ValidationFailed) -> Unit:
    def build(_ctx: Context) -> Built:
        raise error
    return Unit(name, fmt, build)


def _zip_feed(name: str, data: bytes, max_unpacked: int) -> Iterator[Unit]:
    if not data.startswith(ZIP_MAGIC):
        raise ValidationFailed.field("format", "a MISP feed upload is a zip of the feed's "
                                               "directory (manifest.json and the events)")
    yield from misp_in.feed_units(name, misp_in.FeedZip(data, max_unpacked))


def units_of(name: str, data: bytes, fmt: Format = Format.AUTO, *,
             max_unpacked: int) -> list[Unit]:
    """The units of one file's bytes (an upload, or a file read from disk)."""
    try:
        found = detect(name, data) if fmt is Format.AUTO else fmt
        if found is Format.MISP_FEED:
            return list(_zip_feed(name, data, max_unpacked))
        return [_MAKERS[found](name, data)]
    except ValidationFailed as exc:
        return [refused(name, fmt, exc)]


def units_of_path(path: Path, fmt: Format = Format.AUTO, *,
                  max_unpacked: int) -> list[Unit]:
    """A file, or a MISP feed directory."""
    try:
        found = detect_path(path) if fmt is Format.AUTO else fmt
        if found is Format.MISP_FEED and path.is_dir():
            return list(misp_in.feed_units(path.name, misp_in.FeedDirectory(path)))
        return units_of(path.name, path.read_bytes(), found, max_unpacked=max_unpacked)
    except OSError as exc:
        return [refused(str(path), fmt, ValidationFailed.field(
            "file", f"cannot be read ({exc.strerror or exc})"))]
    except ValidationFailed as exc:
        return [refused(path.name, fmt, exc)]


Progress = Callable[[FileReport], None]


def run(db: Database, actor: Principal, units: Iterable[Unit], options: Options,
        progress: Progress | None = None) -> ImportReport:
    """Import unit after unit, each in its own transaction."""
    report = ImportReport()
    for unit in units:
        done = import_unit(db, actor, unit, options)
        report.files.append(done)
        if progress is not None:
            progress(done)
    return report
