"""Local allow-lists and the choice of MISP warninglists, managed by node admins: values
or CIDR ranges the node knows to be benign (a partner's scanner, its own resolvers), each
entry in a named list; and which shipped warninglists apply. Every change is audited."""

from __future__ import annotations

import re
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.intel import detect
from rcsc.core.permissions import Action, require
from rcsc.core.verdicts import AllowEntry, WarninglistState
from rcsc.errors import NotFound, ValidationFailed
from rcsc.incidents import fields as f
from rcsc.intel import warninglists
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.allowlists import AllowlistRepo

# Node administration of the intelligence store: the admins' action, as for collections.
MANAGE = Action.COLLECTION_MANAGE
LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


def repo(uow: UnitOfWork) -> AllowlistRepo:
    return AllowlistRepo(uow.session)


def _list_name(value: Any) -> str:
    text = str(value).strip()
    if not LIST_NAME.match(text):
        raise ValidationFailed.field("list", "1 to 100 letters, digits, spaces, dots, "
                                             "dashes or underscores, starting with a letter "
                                             "or digit")
    return text


def add(uow: UnitOfWork, actor: Principal, *, list_name: str, value: str,
        comment: str = "") -> AllowEntry:
    """Allow a value or a CIDR range (defanged forms understood) on a named list."""
    require(actor, MANAGE)
    c = f.Collector()
    name = c.check("list", _list_name, list_name)
    found = detect(str(value))
    if found is None:
        c.fail("value", f"{value!r} is no value of an indexed type (address or CIDR range, "
                        "domain, URL, e-mail, hash, CVE, AS number)")
    note = c.check("comment", f.text("comment", 500, required=False), comment)
    c.raise_if_any()
    assert name is not None and found is not None
    entry = repo(uow).add(name, found, note or "", actor.user_id, uow.clock.now())
    record(uow, actor, AuditEvent("allowlist.add", object_type="allowlist",
                                  object_id=str(entry.pk),
                                  detail={"list": name, "type": found.kind.value,
                                          "value": found.value}))
    return entry


def entries(uow: UnitOfWork, actor: Principal) -> list[AllowEntry]:
    require(actor, Action.INTEL_READ)
    return repo(uow).entries()


def remove(uow: UnitOfWork, actor: Principal, pk: int) -> AllowEntry:
    require(actor, MANAGE)
    entry = repo(uow).get(pk)
    if entry is None:
        raise NotFound("allow-list entry", str(pk))
    repo(uow).remove(pk)
    record(uow, actor, AuditEvent("allowlist.remove", object_type="allowlist",
                                  object_id=str(pk),
                                  detail={"list": entry.list_name, "value": entry.value.value}))
    return entry


def warninglist_states(uow: UnitOfWork, actor: Principal) -> list[WarninglistState]:
    """Every shipped MISP warninglist with its entry count and whether the node applies it."""
    require(actor, Action.INTEL_READ)
    off = repo(uow).disabled_warninglists()
    return [WarninglistState(name, description, kind, size, name not in off)
            for name, description, kind, size in warninglists.shipped().summary()]


def set_warninglist(uow: UnitOfWork, actor: Principal, name: str, enabled: bool) -> None:
    require(actor, MANAGE)
    if name not in {n for n, *_ in warninglists.shipped().summary()}:
        raise NotFound("warninglist", name)
    repo(uow).set_warninglist(name, enabled, actor.user_id, uow.clock.now())
    record(uow, actor, AuditEvent("warninglist.enable" if enabled else "warninglist.disable",
                                  object_type="warninglist", object_id=name[:100]))
