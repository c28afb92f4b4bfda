"""`rcsc` — initialise, serve and administer a node. Later checks script these verbs and
their stdout, so keep names and output stable (see README)."""

from __future__ import annotations

import signal
import sys
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from rcsc import demo
from rcsc.accounts import audit, bootstrap, organisations, tokens, users
from rcsc.cli import context, files, logs
from rcsc.cli.exercises import exercise_app
from rcsc.cli.intel import intel_app
from rcsc.cli.peers import peer_app
from rcsc.cli.report import report_app
from rcsc.config import Settings
from rcsc.errors import DatabaseBehind, NotFound, RcscError, ValidationFailed
from rcsc.exchange import collections
from rcsc.incidents import attachments
from rcsc.storage import migrate as migrations
from rcsc.storage.blobs import BLOB_DIR, BlobStore
from rcsc.storage.repos.audit import AuditFilter

app = typer.Typer(help="RCSC — Regional Cyber Security Centre node.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Member organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
blobs_app = typer.Typer(help="Evidence files in the data folder's blob store.",
                        no_args_is_help=True)
collection_app = typer.Typer(help="TAXII collections.", no_args_is_help=True)
app.add_typer(peer_app, name="peer")
app.add_typer(intel_app, name="intel")
app.add_typer(exercise_app, name="exercise")
app.add_typer(report_app, name="report")
for sub, name in ((db_app, "db"), (org_app, "org"), (user_app, "user"), (token_app, "token"),
                  (audit_app, "audit"), (blobs_app, "blobs"), (collection_app, "collection")):
    app.add_typer(sub, name=name)

files.register(app)  # rcsc import, rcsc export
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
CREDENTIALS_FILE = "credentials.txt"


def _remember_logins(settings: Settings, lines: list[str]) -> None:
    """In development, keep printed logins in the data dir (owner-only) for `make run`."""
    if settings.is_production:
        return
    path = settings.data_dir / CREDENTIALS_FILE
    with path.open("a") as handle:
        path.chmod(0o600)
        handle.write("\n".join(lines) + "\n")


@app.command()
def init() -> None:
    """Create or upgrade the database; create the first organisation and admin if missing."""
    settings = context.settings()
    db = context.database(settings, check=False)
    migrations.upgrade(db.engine)
    with db.transaction() as uow:
        result = bootstrap.initialise(
            uow, node_name=settings.node_name, node_country=settings.node_country,
            admin_email=settings.admin_email, timezone=settings.default_timezone,
        )
        collections.ensure_shared(uow)
    out.print(f"Database ready at revision {migrations.head_revision()} ({db.dialect}).")
    if result.admin_password is None:
        out.print(f"Admin exists already: {result.admin_email}")
        return
    login = [f"URL:      {settings.public_base_url}/login",
             f"Email:    {result.admin_email}", f"Password: {result.admin_password}"]
    _remember_logins(settings, ["# rcsc init: first admin", *login])
    out.print(f"Created organisation {result.organisation!r} and the first admin. Log in with:")
    for line in login:
        print(line)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    db = context.database(context.settings(), check=False)
    migrations.upgrade(db.engine, revision)
    out.print(f"Database at revision {migrations.current_revision(db.engine)}.")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision and whether it is the head."""
    db = context.database(context.settings(), check=False)
    current, head = migrations.current_revision(db.engine), migrations.head_revision()
    print(f"current: {current or '(empty)'}  head: {head}  {'OK' if current == head else 'BEHIND'}")
    if current != head:
        raise typer.Exit(1)


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processes (use PostgreSQL for >1)")] = 1,
    upgrade: Annotated[bool, typer.Option(help="Upgrade the database first")] = False,
) -> None:
    """Serve the web app, API and pages with uvicorn."""
    import uvicorn

    settings = context.settings()
    db = context.database(settings, check=False)
    if upgrade:
        migrations.upgrade(db.engine)
    db.check_schema()
    db.dispose()
    if workers > 1 and db.dialect == "sqlite":
        err.print("[yellow]Several workers on SQLite serialise on its write lock; "
                  "use PostgreSQL (RCSC_DATABASE_URL) for real concurrency.[/yellow]")
    out.print(f"RCSC serving on http://{host}:{port} (workers: {workers})")
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run("rcsc.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_config=logs.config(settings.log_format, settings.log_level),
                timeout_graceful_shutdown=20, proxy_headers=True)


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    """uvicorn re-raises SIGTERM once its graceful shutdown is done; end with status 0 then,
    as its multi-worker supervisor does, so a clean stop never looks like a crash."""
    raise SystemExit(0)


@app.command("demo")
def load_demo(if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Do nothing (and succeed) when the database already holds data")] = False
) -> None:
    """Load the demo world (regional centre, member CERTs and defence units, users)."""
    settings = context.settings()
    if settings.is_production:
        raise RcscError("refusing to load demo users with printed passwords in production")
    db = context.database(settings)
    with db.transaction() as uow:
        if if_empty and not demo.is_empty(uow):
            out.print("Database holds data already; demo not loaded.")
            return
        logins = demo.load(uow)
    lines = [f"{x.email:<28} {x.password or '(token only)':<22} {','.join(x.roles):<12} "
             f"{x.organisation}" for x in logins]
    out.print(f"Demo world loaded: {len(demo.ORGS) + 1} organisations, {len(logins)} users. "
              f"Log in at {settings.public_base_url}/login with:")
    for line in lines:
        print(line)
    _remember_logins(settings, ["# rcsc demo", *lines])


@org_app.command("add")
def org_add(name: str, country: Annotated[str, typer.Option()],
            kind: Annotated[str, typer.Option()],
            id: Annotated[str | None, typer.Option(
                "--id", help="The UUID another node knows it by (federation)")] = None,
            ) -> None:
    """Add a member organisation (it joins the default community)."""
    import uuid

    try:
        org_id = uuid.UUID(id) if id is not None else None
    except ValueError:
        raise ValidationFailed.field("id", f"{id!r} is not a UUID") from None
    db = context.database(context.settings())
    with db.transaction() as uow:
        org = organisations.create(uow, context.operator(), name=name, country=country, kind=kind,
                                   org_id=org_id)
    print(org.id)


@org_app.command("list")
def org_list() -> None:
    db = context.database(context.settings())
    with db.transaction(readonly=True) as uow:
        for org in uow.orgs.list():
            print(f"{org.id}\t{org.country}\t{org.kind.value}\t{org.name}")


@collection_app.command("add")
def collection_add(
    alias: str, title: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()] = "",
    default_tlp: Annotated[str, typer.Option(help="level of unmarked objects")] = "green",
    community: Annotated[str | None, typer.Option(help="community name: unmarked objects "
                                                       "go to its members only")] = None,
    read_only: Annotated[bool, typer.Option("--read-only")] = False,
) -> None:
    """Add a TAXII collection; prints its id."""
    db = context.database(context.settings())
    with db.transaction() as uow:
        named = uow.communities.get_by_name(community) if community else None
        if community and named is None:
            raise NotFound("community", repr(community))
        made = collections.create(uow, context.operator(), alias=alias, title=title,
                                  description=description, default_tlp=default_tlp,
                                  community_id=named.id if named else None,
                                  writable=not read_only)
    print(made.id)


@collection_app.command("list")
def collection_list() -> None:
    """id, alias, default level, writable or read-only, title — tab-separated."""
    db = context.database(context.settings())
    with db.transaction() as uow:
        collections.ensure_shared(uow)
        for c in uow.stix.collections():
            mode = "writable" if c.writable else "read-only"
            print(f"{c.id}\t{c.alias}\t{c.default_tlp.value}\t{mode}\t{c.title}")


@user_app.command("add")
def user_add(
    email: str, org: Annotated[str, typer.Option(help="Organisation name")],
    role: Annotated[list[str], typer.Option(help="Repeat for several roles")],
    name: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Add a user; with --password-stdin the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    db = context.database(context.settings())
    with db.transaction() as uow:
        owner = organisations.by_name(uow, org)
        user = users.create(uow, context.operator(), email=email, name=name or email.split("@")[0],
                            org_id=owner.id, roles=role, password=password)
    print(user.id)


@user_app.command("list")
def user_list() -> None:
    db = context.database(context.settings())
    with db.transaction(readonly=True) as uow:
        for u in uow.users.list():
            roles = ",".join(sorted(r.value for r in u.roles))
            print(f"{u.id}\t{u.email}\t{roles}\t{'active' if u.active else 'deactivated'}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="The owner's e-mail")],
    scope: Annotated[list[str] | None, typer.Option(help="read, write, admin, sync")] = None,
    expires_days: Annotated[int | None, typer.Option(
        help="Lifetime in days (default: RCSC_TOKEN_DEFAULT_DAYS)")] = None,
    name: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Create a token; the token alone is the last line of stdout."""
    settings = context.settings()
    db = context.database(settings)
    with db.transaction() as uow:
        owner = users.by_email(uow, user)
        token, secret = tokens.create(uow, context.operator(), user_id=owner.id, name=name,
                                      scopes=scope or ["read"],
                                      expires_days=expires_days or settings.token_default_days)
    scopes = " ".join(sorted(s.value for s in token.scopes))
    err.print(f"Token {token.prefix}… for {owner.email}, scopes {scopes}, "
              f"expires {token.expires_at:%Y-%m-%d}")
    print(secret)


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    import uuid

    db = context.database(context.settings())
    with db.transaction() as uow:
        tokens.revoke(uow, context.operator(), uuid.UUID(token_id))
    print("revoked")


@audit_app.command("list")
def audit_list(limit: int = 50, action: str | None = None, actor: str | None = None) -> None:
    """The newest entries first."""
    db = context.database(context.settings())
    with db.transaction() as uow:
        entries = audit.query(uow, context.operator(), AuditFilter(action=action, actor=actor),
                              limit=limit)
    for e in entries:
        print(f"{e.id}\t{e.at.isoformat()}\t{e.actor_label}\t{e.action}\t{e.outcome.value}\t"
              f"{e.object_type or ''}:{e.object_id or ''}")


@audit_app.command("export")
def audit_export(
    format: Annotated[str, typer.Option(help="csv or jsonl")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    action: str | None = None, actor: str | None = None,
) -> None:
    """Export the whole (filtered) log, oldest first, to a file or stdout."""
    db = context.database(context.settings())
    with db.transaction() as uow:
        stream = audit.export(uow, db, context.operator(), AuditFilter(action=action, actor=actor),
                              format)
    files.write_out(stream, output)


@blobs_app.command("gc")
def blobs_gc(
    grace_minutes: Annotated[int, typer.Option(
        min=0, help="Spare files written this recently (uploads in flight)")] = 60,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only print what would be removed")] = False,
) -> None:
    """Remove evidence files no attachment names, and stale uploads.

    Prints one line a file (reason, bytes, path in the store), then the count and bytes."""
    settings = context.settings()
    store = BlobStore(settings.data_dir / BLOB_DIR)
    swept = attachments.collect_garbage(context.database(settings), store, context.operator(),
                                        grace=timedelta(minutes=grace_minutes),
                                        dry_run=dry_run)
    for x in swept:
        print(f"{x.reason.value}\t{x.size}\t{x.path.relative_to(store.root)}")
    print(f"{'would remove' if dry_run else 'removed'}: {len(swept)} "
          f"file{'' if len(swept) == 1 else 's'}, {sum(x.size for x in swept)} bytes")


def main() -> None:
    try:
        app()
    except DatabaseBehind as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        sys.exit(3)
    except RcscError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        sys.exit(2)
