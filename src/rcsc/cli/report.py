"""`rcsc report …`: the weekly situation report as a file (docs/analytics.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rcsc.cli.context import acting_as
from rcsc.cli.files import AS_HELP

report_app = typer.Typer(help="Reports: the weekly situation report.", no_args_is_help=True)
out = Console(soft_wrap=True)


@report_app.command("sitrep")
def sitrep_file(
    week: Annotated[str | None, typer.Option(help="ISO week such as 2026-W48 "
                                             "(default: last week)")] = None,
    format: Annotated[str, typer.Option(help="html or pdf")] = "pdf",  # noqa: A002
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="file to write (default: rcsc-sitrep-<week>.<format>)")] = None,
    tlp: Annotated[str, typer.Option(help="the highest level the report may name")] = "amber",
    as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None,
) -> None:
    """Write the situation report for the user's organisation, counted over what the user
    may see; the file's TLP is printed in its header and footer."""
    # Imported here, not at the top: the charting and statistics libraries take seconds to
    # load, and every other `rcsc` command would pay for them.
    from rcsc.analytics import sitrep
    from rcsc.web.i18n import activate, current_locale, load_catalogues
    from rcsc.web.pages.dashboard import audience_name, ceiling_of, sitrep_document
    from rcsc.web.pages.render import make_environment
    from rcsc.web.pdf import html_to_pdf

    if format not in ("html", "pdf"):
        raise typer.BadParameter("html or pdf", param_hint="--format")
    settings, db, actor = acting_as(as_user)
    activate(load_catalogues(), actor.locale, actor.timezone)
    with db.transaction() as uow:
        report = sitrep.build(uow, actor, week or sitrep.last_full_week(uow.clock.now()),
                              settings.analytics_min_cell, ceiling=ceiling_of(tlp))
        html = sitrep_document(make_environment(), report, node_name=settings.node_name,
                               audience=audience_name(uow, actor), lang=current_locale())
    target = output or Path(f"rcsc-sitrep-{report.week}.{format}")
    if format == "pdf":
        target.write_bytes(html_to_pdf(html))
    else:
        target.write_text(html, encoding="utf-8")
    out.print(f"{report.tlp.label} situation report {report.week} written to {target}")
