"""`rcsc intel …`: the correlation index, value lookups with their verdicts, and the
node's local allow-lists (docs/correlation.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rcsc.cli.context import acting_as
from rcsc.cli.files import AS_HELP
from rcsc.intel import alerts, allowlists, correlate, index

intel_app = typer.Typer(help="The correlation index of observable values.",
                        no_args_is_help=True)
allow_app = typer.Typer(help="Local allow-lists: values and CIDR ranges known to be benign "
                             "(node admins; audited).", no_args_is_help=True)
intel_app.add_typer(allow_app, name="allow")
out = Console(soft_wrap=True)


@intel_app.command("index")
def index_now() -> None:
    """Index every stored object not indexed yet and raise the alerts it calls for (`rcsc
    serve` does this by itself); deliveries are queued for the serving process to send."""
    settings, db, _actor = acting_as(None)
    rules = alerts.rules_of(settings)
    raised = 0

    def alert(pks: list[int]) -> None:
        nonlocal raised
        raised += alerts.after_index(db, pks, rules)

    try:
        done = index.catch_up(db, on_batch=alert)
    finally:
        db.dispose()
    out.print(f"indexed {done:,} objects; {raised:,} new alerts")


@intel_app.command("lookup")
def lookup(values: Annotated[list[str], typer.Argument(help="values; defanged forms work")],
           as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None) -> None:
    """The items carrying any of the values that the user may see, and each value's verdict
    (benign: which warninglist or allow-list names it), sightings and first/last seen."""
    settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        found = correlate.lookup(uow, actor, values, settings.correlation_limit)
    table = Table("value", "item", "kind", "TLP", "title")
    for item in found.correlation.related:
        for asked, _found in item.shared:
            table.add_row(asked.value, item.ref, item.kind, item.tlp.value, item.title)
    out.print(table)
    for r in found.reports:  # one line a value: long verdicts would wrap in a table
        sighted = ", ".join(f"{k.value}: {n}" for k, n in r.sightings.counts.items() if n)
        seen = (f"; seen {r.first_seen.isoformat()} .. {r.last_seen.isoformat()}"
                if r.first_seen and r.last_seen else "")
        out.print(f"{r.value.value}: {r.items} items"
                  + (f"; benign: {'; '.join(r.benign)}" if r.benign else "")
                  + (f"; sightings {sighted}" if sighted else "") + seen)
    for value in found.correlation.over_correlating:
        out.print(f"over-correlating (not expanded): {value.value}")
    for text in found.unrecognised:
        out.print(f"not a value of an indexed type: {text}")


@allow_app.command("add")
def allow_add(list_name: Annotated[str, typer.Argument(metavar="LIST", help="the list's name")],
              values: Annotated[list[str], typer.Argument(help="values or CIDR ranges")],
              comment: Annotated[str, typer.Option(help="why they are benign")] = "",
              as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None,
              ) -> None:
    """Allow values or CIDR ranges on a named local allow-list."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        made = [allowlists.add(uow, actor, list_name=list_name, value=v, comment=comment)
                for v in values]
    for entry in made:
        out.print(f"allowed {entry.value.value} on {entry.list_name} (entry {entry.pk})")


@allow_app.command("list")
def allow_list(as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None
               ) -> None:
    """Every local allow-list entry."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction(readonly=True) as uow:
        found = allowlists.entries(uow, actor)
    table = Table("entry", "list", "type", "value", "comment")
    for e in found:
        table.add_row(str(e.pk), e.list_name, e.value.kind.value, e.value.value, e.comment)
    out.print(table)


@allow_app.command("remove")
def allow_remove(entry: Annotated[int, typer.Argument(help="the entry's number (see list)")],
                 as_user: Annotated[str | None, typer.Option("--as", help=AS_HELP)] = None,
                 ) -> None:
    """Remove one allow-list entry."""
    _settings, db, actor = acting_as(as_user)
    with db.transaction() as uow:
        gone = allowlists.remove(uow, actor, entry)
    out.print(f"removed {gone.value.value} from {gone.list_name}")
