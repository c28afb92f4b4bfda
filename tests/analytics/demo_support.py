"""The demo world loaded at the end of 2026-W48 (its year of incidents, indexed), for the
dashboard, report and export tests: the report's "demo week" is 2026-W48."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rcsc import demo
from rcsc.accounts import bootstrap, tokens, users
from rcsc.accounts.auth import system
from rcsc.core.clock import FrozenClock
from rcsc.intel import index
from rcsc.storage import Database

DEMO_WEEK = "2026-W48"
LOADED_AT = datetime.fromisoformat("2026-11-30T06:00:00+00:00")  # Monday of 2026-W49


@dataclass(frozen=True)
class Demo:
    logins: dict[str, str]  # e-mail -> password
    coordinator_token: str
    analyst_token: str  # CERT-LT's analyst


def load_demo(db: Database, clock: FrozenClock) -> Demo:
    clock.current = LOADED_AT
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                             admin_email="root@rcsc.example")
        logins = demo.load(uow)
    index.catch_up(db)
    secrets = {}
    with db.transaction() as uow:
        for email in ("coordinator@rcsc.example", "analyst@cert-lt.example"):
            user = users.by_email(uow, email)
            _token, secrets[email] = tokens.create(
                uow, system("test"), user_id=user.id, name="test", scopes=["read"],
                expires_days=30)
    return Demo({x.email: x.password for x in logins if x.password},
                secrets["coordinator@rcsc.example"], secrets["analyst@cert-lt.example"])
