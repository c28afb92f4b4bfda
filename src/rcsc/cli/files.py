"""`rcsc import FILE…` and `rcsc export`: files in and out of a TAXII collection, acting as
one user (`--as`, default the node's admin), with a progress bar on standard error and, for
imports, the report as a table on standard output (exit status 1 when anything was
rejected)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rcsc.cli.context import acting_as
from rcsc.errors import ValidationFailed
from rcsc.exchange.collections import SHARED
from rcsc.exchange.files import export, sources
from rcsc.exchange.files.formats import parse_format
from rcsc.exchange.files.importer import Options
from rcsc.exchange.files.report import FileReport, ImportReport

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
AS_HELP = "e-mail of the user to act as (default: RCSC_ADMIN_EMAIL)"


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def import_files(
    paths: Annotated[list[Path], typer.Argument(help="files, or MISP feed directories")],
    as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None,
    collection: Annotated[str, typer.Option(help="TAXII collection (id or alias)")] = SHARED,
    format: Annotated[str, typer.Option(help="auto, stix, misp, misp-feed or csv")] = "auto",
    atomic: Annotated[bool, typer.Option(
        "--atomic/--no-atomic",
        help="per file: a file with any bad object or row stores nothing")] = True,
) -> None:
    """Import STIX 2.1 bundles, MISP events, MISP feeds and CSV (docs/files.md)."""
    settings, db, actor = acting_as(as_user)
    fmt = parse_format(format)
    limit = settings.taxii_max_content_length
    units = [u for path in paths for u in sources.units_of_path(path, fmt, max_unpacked=limit)]
    with _progress() as bar:
        task = bar.add_task("importing", total=len(units))

        def done(report: FileReport) -> None:
            bar.update(task, advance=1, description=report.name)
        report = sources.run(db, actor, units, Options(collection, atomic), done)
    _print(report)
    if not report.ok:
        raise typer.Exit(1)


def _print(report: ImportReport) -> None:
    table = Table("file", "format", "created", "updated", "unchanged", "rejected",
                  title="Import report")
    for one in report.files:
        counts = one.counts()
        table.add_row(one.name, one.format, *(str(counts[k]) for k in (
            "created", "updated", "unchanged", "rejected")))
    out.print(table)
    for one in report.files:
        state = "nothing stored" if one.rejected and not one.written else "stored"
        for rejection in one.rejected:
            out.print(f"rejected ({state}) {one.name}: {rejection.text}", markup=False,
                      highlight=False)
    totals = report.totals()
    out.print(", ".join(f"{key}: {value}" for key, value in totals.items()), highlight=False)


def _after(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed.field("added-after", f"{text!r} is not an ISO 8601 time "
                                                    "like 2026-11-20T08:30:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def export_file(
    as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None,
    format: Annotated[str, typer.Option(help="stix, misp, csv or values")] = "stix",
    collection: Annotated[str, typer.Option(help="TAXII collection (id or alias)")] = SHARED,
    type: Annotated[list[str] | None, typer.Option(
        "--type", help="STIX type; repeat for several")] = None,
    added_after: Annotated[str | None, typer.Option(help="only objects added after")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Export what the user may see of a collection, to a file or standard output."""
    _settings, db, actor = acting_as(as_user)
    request = export.ExportRequest(format=format, collection=collection,
                                   types=frozenset(type or ()), added_after=_after(added_after))
    with _progress() as bar:
        with db.transaction() as uow:
            total = export.visible_count(uow, actor, collection)
            task = bar.add_task(f"exporting {format}", total=total)
            stream = export.export(uow, db, actor, request,
                                   lambda n: bar.update(task, advance=n))
        write_out(stream, output)


def write_out(stream: Iterator[bytes], output: Path | None) -> None:
    """Every chunk to the file, or to standard output."""
    target = output.open("wb") if output else sys.stdout.buffer
    try:
        for chunk in stream:
            target.write(chunk)
    finally:
        if output:
            target.close()


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.command("export")(export_file)
