"""The alerts inbox: what an organisation (and each of its users, for alerts addressed to
them alone) was alerted about, newest first with a cursor, marked read by anyone of it; and
each user's choice of getting alerts by mail."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime

from rcsc.core.alerts import Alert, AlertKind
from rcsc.core.identity import Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import NotFound, ValidationFailed
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.alerts import AlertRepo

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[Alert]
    next: str | None  # the cursor of the following page


def _encode(alert: Alert) -> str:
    raw = f"{alert.created_at.isoformat()}|{alert.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, last = raw.partition("|")
        return datetime.fromisoformat(at), uuid.UUID(last)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed.field("cursor", "not a cursor this API gave out") from None


def _owner(actor: Principal) -> uuid.UUID:
    require(actor, Action.INTEL_READ)
    if actor.org_id is None:
        raise ValidationFailed.field("org_id", "alerts belong to organisations; this "
                                               "account has none")
    return actor.org_id


def kind_of(text: str | None) -> AlertKind | None:
    if not text:
        return None
    try:
        return AlertKind(text)
    except ValueError:
        choices = ", ".join(k.value for k in AlertKind)
        raise ValidationFailed.field("kind", f"one of {choices}") from None


def inbox(uow: UnitOfWork, actor: Principal, *, unread: bool = False,
          kind: AlertKind | None = None, cursor: str = "",
          limit: int = DEFAULT_LIMIT) -> Page:
    org_id = _owner(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.field("limit", f"between 1 and {MAX_LIMIT}")
    before = _decode(cursor) if cursor else None
    found = AlertRepo(uow.session).inbox(org_id, actor.user_id, unread=unread, kind=kind,
                                         before=before, limit=limit + 1)
    more = len(found) > limit
    items = found[:limit]
    return Page(items, _encode(items[-1]) if more and items else None)


def unread_count(uow: UnitOfWork, actor: Principal) -> int:
    return AlertRepo(uow.session).unread_count(_owner(actor), actor.user_id)


def get(uow: UnitOfWork, actor: Principal, alert_id: uuid.UUID) -> Alert:
    """One alert of the actor's; another's is not found (and its existence is not told)."""
    org_id = _owner(actor)
    alert = AlertRepo(uow.session).get(alert_id)
    if alert is None or alert.org_id != org_id or alert.user_id not in (None, actor.user_id):
        raise NotFound("alert", str(alert_id))
    return alert


def mark_read(uow: UnitOfWork, actor: Principal, alert_id: uuid.UUID) -> Alert:
    get(uow, actor, alert_id)
    repo = AlertRepo(uow.session)
    repo.mark_read(alert_id, uow.clock.now())
    alert = repo.get(alert_id)
    assert alert is not None
    return alert


def wants_mail(uow: UnitOfWork, actor: Principal) -> bool:
    _owner(actor)
    return actor.user_id is not None and AlertRepo(uow.session).wants_mail(actor.user_id)


def set_mail(uow: UnitOfWork, actor: Principal, wanted: bool) -> None:
    """Opt in or out of alerts by mail (one's own choice; tokens need no admin scope)."""
    _owner(actor)
    if actor.user_id is None:
        raise ValidationFailed.field("user_id", "only a user can receive mail")
    AlertRepo(uow.session).set_mail(actor.user_id, wanted, uow.clock.now())
