"""`rcsc intel …`: the correlation index (docs/correlation.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rcsc.cli.files import AS_HELP, acting_as
from rcsc.intel import correlate, index

intel_app = typer.Typer(help="The correlation index of observable values.",
                        no_args_is_help=True)
out = Console(soft_wrap=True)


@intel_app.command("index")
def index_now() -> None:
    """Index every stored object not indexed yet (`rcsc serve` does this by itself)."""
    _settings, db, _actor = acting_as(None)
    done = index.catch_up(db)
    out.print(f"indexed {done:,} objects")


@intel_app.command("lookup")
def lookup(values: Annotated[list[str], typer.Argument(help="values; defanged forms work")],
           as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None) -> None:
    """The items carrying any of the values that the user may see."""
    settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        found = correlate.lookup(uow, actor, values, settings.correlation_limit)
    table = Table("value", "item", "kind", "TLP", "title")
    for item in found.correlation.related:
        for asked, _found in item.shared:
            table.add_row(asked.value, item.ref, item.kind, item.tlp.value, item.title)
    out.print(table)
    for value in found.correlation.over_correlating:
        out.print(f"over-correlating (not expanded): {value.value}")
    for text in found.unrecognised:
        out.print(f"not a value of an indexed type: {text}")
