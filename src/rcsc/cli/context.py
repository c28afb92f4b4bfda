"""What every `rcsc` command starts from: the settings (with logging and the warninglist
cache set up from them), the database, and who is acting. One place, so that no command
forgets a step (the commands acting as a user once skipped the warninglist cache and
rebuilt the index, seconds, on every `rcsc intel lookup`)."""

from __future__ import annotations

import getpass

from rcsc.accounts import users
from rcsc.accounts.auth import principal_for, system
from rcsc.cli import logs
from rcsc.config import Settings, load_settings
from rcsc.core.identity import ActorType, Principal
from rcsc.errors import AuthenticationRequired
from rcsc.intel import warninglists
from rcsc.storage import Database


def settings() -> Settings:
    """The node's settings; logging configured and the warninglist cache set from them."""
    loaded = load_settings()
    logs.configure(loaded.log_format, loaded.log_level)
    warninglists.use_cache(loaded.effective_cache_dir)
    return loaded


def database(loaded: Settings, *, check: bool = True) -> Database:
    """The node's database; with `check`, refused when its schema is not at the head."""
    db = Database(loaded.effective_database_url,
                  busy_timeout_ms=loaded.sqlite_busy_timeout_ms)
    if check:
        try:
            db.check_schema()
        except Exception:
            db.dispose()
            raise
    return db


def actor_label() -> str:
    """The operating-system user behind a command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def operator() -> Principal:
    """The command's operator as a system principal (node administration on the host)."""
    return system(actor_label())


def acting_as(email: str | None) -> tuple[Settings, Database, Principal]:
    """Settings, database and the principal of the user the command acts as (`--as`,
    default the node's admin); a deactivated user is refused."""
    loaded = settings()
    db = database(loaded)
    try:
        with db.transaction(readonly=True) as uow:
            user = users.by_email(uow, email or loaded.admin_email)
    except Exception:
        db.dispose()
        raise
    if not user.active:
        db.dispose()
        raise AuthenticationRequired(f"the user {user.email} is deactivated")
    return loaded, db, principal_for(user, via=ActorType.USER)
