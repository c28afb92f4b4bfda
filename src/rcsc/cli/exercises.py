"""`rcsc exercise …`: exercises from the command line, acting as one user (`--as`, default
the node's admin) under the same rules as the API: list, show, the MSEL in and out as CSV
or XLSX, the iCalendar file, the AAR as a PDF, the clock (start, pause, resume, stop) and
one release step.

Output is tab-separated, one line an exercise or inject, so scripts can read it.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer

from rcsc.cli.context import acting_as
from rcsc.cli.files import AS_HELP
from rcsc.core.exercises import format_offset
from rcsc.exercises import aar, clock, msel, planning, service
from rcsc.exercises.msel_xlsx import read_xlsx, write_xlsx

exercise_app = typer.Typer(help="Joint exercises (docs/exercises.md).", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
Output = Annotated[Path | None, typer.Option("--output", "-o",
                                             help="write here instead of standard output")]


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


@exercise_app.command("list")
def exercise_list(as_user: AsUser = None) -> None:
    """The exercises the user may see: id, status, type, first and last day, name."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction(readonly=True) as uow:
        for e in service.list_visible(uow, actor):
            print(f"{e.id}\t{e.status.value}\t{e.type.value}\t{e.starts_on}\t{e.ends_on}\t"
                  f"{e.name}")


@exercise_app.command("show")
def exercise_show(exercise_id: uuid.UUID, as_user: AsUser = None) -> None:
    """The exercise and the injects the user may read: number, offset, released, title."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction(readonly=True) as uow:
        e = service.get(uow, actor, exercise_id)
        print(f"{e.name}\t{e.status.value}\t{e.tlp.label}\t"
              f"{format_offset(int(e.clock.elapsed(uow.clock.now()).total_seconds()))}")
        for i in msel.visible_injects(uow, actor, e):
            released = i.released_at.isoformat() if i.released_at else "-"
            print(f"{i.number}\t{format_offset(i.offset_seconds)}\t{released}\t{i.title}")


@exercise_app.command("export-msel")
def export_msel(exercise_id: uuid.UUID, as_user: AsUser = None,
                format: Annotated[str, typer.Option(help="csv or xlsx")] = "csv",
                output: Output = None) -> None:
    _settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        marking, injects = msel.export_marked(uow, actor, exercise_id)
    _write(write_xlsx(injects, marking) if format == "xlsx" else
           msel.write_csv(injects).encode(),
           output)


@exercise_app.command("import-msel")
def import_msel(exercise_id: uuid.UUID, file: Path, as_user: AsUser = None) -> None:
    """Replace the MSEL with a CSV or XLSX file; one bad cell and nothing is imported (the
    error names its row and column)."""
    _settings, db, actor = acting_as(as_user)
    data = file.read_bytes()
    injects = (read_xlsx(exercise_id, data) if data.startswith(b"PK\x03\x04")
               else msel.read_csv(exercise_id, data.decode("utf-8")))
    with db.transaction() as uow:
        count = msel.import_injects(uow, actor, exercise_id, injects)
    print(f"imported {count} injects")


@exercise_app.command("calendar")
def calendar(exercise_id: uuid.UUID, as_user: AsUser = None, output: Output = None) -> None:
    """The exercise and its planning meetings as an iCalendar (.ics) file."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        _write(planning.icalendar(uow, actor, exercise_id), output)


@exercise_app.command("aar")
def aar_pdf(exercise_id: uuid.UUID, as_user: AsUser = None, output: Output = None) -> None:
    """The after-action report and improvement plan as a PDF (a participant's view)."""
    from rcsc.web.i18n import load_catalogues
    from rcsc.web.pages.exercises_run import aar_pdf_bytes
    from rcsc.web.pages.render import make_environment

    settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        report = aar.build(uow, actor, exercise_id)
    _write(aar_pdf_bytes(make_environment(), load_catalogues(), settings.node_name, actor,
                         report), output)


@exercise_app.command("clock")
def clock_command(exercise_id: uuid.UUID,
                  action: Annotated[str, typer.Argument(help="start, pause, resume or stop")],
                  as_user: AsUser = None) -> None:
    """Run the exercise clock as a controller of the exercise."""
    steps = {"start": clock.start, "pause": clock.pause, "resume": clock.resume,
             "stop": clock.stop}
    if action not in steps:
        raise typer.BadParameter("start, pause, resume or stop")
    _settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        exercise = steps[action](uow, actor, exercise_id)
    print(f"{exercise.id}\t{exercise.status.value}")


@exercise_app.command("release-due")
def release_due() -> None:
    """One step of the release clock for every running exercise (what `rcsc serve` does
    every second); prints each inject released. Safe beside running servers."""
    _settings, db, _actor = acting_as(None)
    with db.transaction() as uow:
        for inject in clock.release_due(uow):
            print(f"{inject.exercise_id}\t{inject.number}")
