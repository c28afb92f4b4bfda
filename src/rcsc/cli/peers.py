"""`rcsc peer …`: the peer nodes this node syncs with (docs/federation.md).

Output is tab-separated (one line a peer or run) so scripts can read it; `peer sync` exits
with 1 when a run failed, after syncing every peer it was asked to."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from typing import Annotated

import typer

from rcsc.accounts import organisations
from rcsc.cli import context
from rcsc.core.federation import RunOutcome, SyncRun
from rcsc.errors import NotFound, ValidationFailed
from rcsc.exchange import peers, sync
from rcsc.storage import UnitOfWork

peer_app = typer.Typer(help="Peer nodes: federation over TAXII 2.1.", no_args_is_help=True)
RUN_HEADER = ("peer", "outcome", "started", "pulled_created", "pulled_updated",
              "pulled_unchanged", "pulled_rejected", "pushed", "pushed_unchanged",
              "pushed_refused", "error")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"


def _token(token: str | None, token_stdin: bool, required: bool) -> str | None:
    if token is not None and token_stdin:
        raise ValidationFailed.field("token", "give --token or --token-stdin, not both")
    if token_stdin:
        return sys.stdin.readline().strip()
    if token is None and required:
        raise ValidationFailed.field("token", "required: --token T or --token-stdin")
    return token


def _org(uow: UnitOfWork, value: str) -> uuid.UUID:
    """An organisation by UUID or by name."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        return organisations.by_name(uow, value).id
    except NotFound:
        raise ValidationFailed.field("org", f"{value!r} is neither an organisation's UUID "
                                            "nor its name") from None


TokenOpt = Annotated[str | None, typer.Option(
    help="This node's API token on the peer (visible in the process list: prefer "
         "--token-stdin)")]
TokenStdin = Annotated[bool, typer.Option("--token-stdin", help="Read the token from stdin")]


@peer_app.command("add")
def peer_add(
    name: str, url: Annotated[str, typer.Argument(help="The peer's TAXII API root, e.g. "
                                                       "https://rcsc.example.org/taxii2/api/")],
    org: Annotated[str, typer.Option(help="The organisation running the peer (UUID or name)")],
    token: TokenOpt = None, token_stdin: TokenStdin = False,
    interval: Annotated[int, typer.Option(help="Minutes between syncs")] = 15,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it, but do not sync")
                        ] = False,
) -> None:
    """Add a peer node; prints its id. The first sync is due at once."""
    settings = context.settings()
    secret = _token(token, token_stdin, required=True)
    assert secret is not None
    with context.database(settings).transaction() as uow:
        made = peers.add(uow, context.operator(), settings.effective_secret_key, name=name,
                         url=url, token=secret, org_id=_org(uow, org),
                         interval_minutes=interval, enabled=not disabled)
    print(made.id)


@peer_app.command("update")
def peer_update(
    name: str, url: Annotated[str | None, typer.Option()] = None,
    token: TokenOpt = None, token_stdin: TokenStdin = False,
    interval: Annotated[int | None, typer.Option(help="Minutes between syncs")] = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    reset_bookmarks: Annotated[bool, typer.Option(
        "--reset-bookmarks", help="Start the next sync from the beginning (idempotent)")
    ] = False,
) -> None:
    """Change a peer's URL, token, interval or state."""
    settings = context.settings()
    secret = _token(token, token_stdin, required=False)
    with context.database(settings).transaction() as uow:
        peers.update(uow, context.operator(), settings.effective_secret_key, name, url=url,
                     token=secret, interval_minutes=interval, enabled=enabled,
                     reset_bookmarks=reset_bookmarks)
    print("updated")


@peer_app.command("remove")
def peer_remove(name: str) -> None:
    """Forget a peer, its bookmarks and runs (what it sent stays)."""
    with context.database(context.settings()).transaction() as uow:
        peers.remove(uow, context.operator(), name)
    print("removed")


@peer_app.command("list")
def peer_list() -> None:
    """name, url, organisation, enabled, last run, its outcome, next sync — tab-separated."""
    with context.database(context.settings()).transaction(readonly=True) as uow:
        found = peers.list_all(uow, context.operator())
    for s in found:
        last = s.last_run
        print("\t".join((s.peer.name, s.peer.url, s.org_name,
                         "enabled" if s.peer.enabled else "disabled",
                         _when(last.started_at if last else None),
                         last.outcome.value if last else "-", _when(s.peer.next_sync_at))))


def _print_runs(found: list[SyncRun]) -> None:
    print("\t".join(RUN_HEADER))
    for r in found:
        print("\t".join((r.peer_name, r.outcome.value, _when(r.started_at),
                         *(str(n) for n in r.counts.as_tuple()), r.error or "-")))


@peer_app.command("sync")
def peer_sync(name: Annotated[str | None, typer.Argument(
        help="The peer; every enabled peer when omitted")] = None) -> None:
    """Sync now, and print what each run moved. Exit status 1 when a run failed."""
    settings = context.settings()
    done = sync.run(context.database(settings), settings, context.operator(), name)
    _print_runs(done)
    if any(r.outcome is RunOutcome.FAILED for r in done):
        raise typer.Exit(1)


@peer_app.command("runs")
def peer_runs(name: Annotated[str | None, typer.Argument()] = None,
              limit: Annotated[int, typer.Option(min=1, max=500)] = 20) -> None:
    """The latest sync runs, newest first."""
    with context.database(context.settings()).transaction(readonly=True) as uow:
        found = peers.runs(uow, context.operator(), name, limit)
    _print_runs(found)
