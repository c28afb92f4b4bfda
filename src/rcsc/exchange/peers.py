"""Peer nodes: the other RCSC nodes this node syncs with (node admins manage them).

A peer is run by one organisation known on both nodes by the same UUID; "the node of
organisation X" is the peer whose `org_id` is X, so there is at most one peer per
organisation. The peer's API token (an account of ours on the peer node) is kept only
encrypted, with a key derived from the node's secret key: it is never stored in the clear,
logged, shown or audited. Every change is audited (`peer.add`, `peer.update`,
`peer.remove`).
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rcsc.accounts.audit import record
from rcsc.core.federation import Peer, SyncRun
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import ConfigurationError, Conflict, NotFound, ValidationFailed
from rcsc.storage import UnitOfWork

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_INTERVAL = 7 * 24 * 60  # a week, in minutes
MAX_TOKEN = 500
_KDF_INFO = b"rcsc federation: peer API tokens v1"


# --- the token at rest ------------------------------------------------------------------


def _fernet(secret_key: str) -> Fernet:
    """A Fernet key derived from the node's secret key (HKDF-SHA256, fixed purpose label):
    the same key on every process of the node, and useless for anything else."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_KDF_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def seal(secret_key: str, token: str) -> bytes:
    return _fernet(secret_key).encrypt(token.encode())


def unseal(secret_key: str, sealed: bytes) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed).decode()
    except InvalidToken:
        raise ConfigurationError(
            "the peer's token cannot be decrypted with this node's secret key (was "
            "RCSC_SECRET_KEY changed?); set it again with `rcsc peer update NAME "
            "--token-stdin`") from None


# --- checking input -----------------------------------------------------------------------


def _name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise ValidationFailed.field("name", "1-64 characters: letters, digits, '.', '_' and "
                                             "'-', starting with a letter or digit")
    return name


def _url(url: str) -> str:
    """The peer's TAXII API root, e.g. https://rcsc.example.org/taxii2/api/ (a trailing
    slash is added: TAXII URLs end in one)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed.field("url", f"{url!r} is not an absolute http(s) URL such as "
                                            "https://rcsc.example.org/taxii2/api/")
    if parts.username or parts.password:
        raise ValidationFailed.field("url", "must not carry credentials; give the token")
    if parts.query or parts.fragment:
        raise ValidationFailed.field("url", "must be the API root, without ?query or #part")
    if len(url) > 490:
        raise ValidationFailed.field("url", "at most 490 characters")
    return url if url.endswith("/") else url + "/"


def _token(token: str) -> str:
    token = token.strip()
    if not token or len(token) > MAX_TOKEN or any(c.isspace() for c in token):
        raise ValidationFailed.field("token", f"required: the API token of this node's "
                                              f"account on the peer (1-{MAX_TOKEN} "
                                              "characters, no spaces)")
    return token


def _interval(minutes: int) -> int:
    if not 1 <= minutes <= MAX_INTERVAL:
        raise ValidationFailed.field("interval_minutes", f"must be between 1 and "
                                                         f"{MAX_INTERVAL} (a week)")
    return minutes


# --- services -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerStatus:
    """A peer as the admin pages show it: its organisation's name and its last run."""

    peer: Peer
    org_name: str
    last_run: SyncRun | None


def add(uow: UnitOfWork, actor: Principal, secret_key: str, *, name: str, url: str,
        token: str, org_id: uuid.UUID, interval_minutes: int = 15,
        enabled: bool = True) -> Peer:
    """Register a peer node; it is due for its first sync at once."""
    require(actor, Action.PEER_MANAGE)
    name, url, token = _name(name), _url(url), _token(token)
    interval = _interval(interval_minutes)
    org = uow.orgs.get(org_id)
    if org is None:
        raise ValidationFailed.field("org_id", f"no organisation {org_id} on this node; add "
                                               "it first with the same id (rcsc org add --id)")
    if uow.peers.by_name(name) is not None:
        raise Conflict(f"a peer named {name!r} exists already", field="name")
    if any(p.org_id == org_id for p in uow.peers.every()):
        raise Conflict(f"{org.name} runs a peer node here already: one peer per "
                       "organisation", field="org_id")
    now = uow.clock.now()
    peer = Peer(id=uuid.uuid4(), name=name, url=url, org_id=org_id,
                token_encrypted=seal(secret_key, token), enabled=enabled,
                interval_minutes=interval, next_sync_at=now if enabled else None,
                created_at=now)
    uow.peers.add(peer)
    record(uow, actor, _event("peer.add", peer, org_name=org.name))
    return peer


def update(uow: UnitOfWork, actor: Principal, secret_key: str, name: str, *,
           url: str | None = None, token: str | None = None,
           interval_minutes: int | None = None, enabled: bool | None = None,
           reset_bookmarks: bool = False) -> Peer:
    """Change a peer; `reset_bookmarks` makes the next sync start from the beginning (it is
    idempotent, so this only costs time)."""
    require(actor, Action.PEER_MANAGE)
    peer = get(uow, actor, name)
    changed = replace(
        peer, url=_url(url) if url is not None else peer.url,
        token_encrypted=seal(secret_key, _token(token)) if token is not None
        else peer.token_encrypted,
        interval_minutes=_interval(interval_minutes) if interval_minutes is not None
        else peer.interval_minutes,
        enabled=peer.enabled if enabled is None else enabled)
    if enabled is not None and enabled != peer.enabled:
        changed = replace(changed, next_sync_at=uow.clock.now() if enabled else None)
    uow.peers.update(changed)
    if reset_bookmarks:
        uow.peers.forget_bookmarks(peer.id)
    what = [k for k, v in (("url", url), ("token", token), ("interval_minutes",
                                                          interval_minutes),
                           ("enabled", enabled)) if v is not None]
    record(uow, actor, _event("peer.update", changed, changed=what + (
        ["bookmarks reset"] if reset_bookmarks else [])))
    return changed


def remove(uow: UnitOfWork, actor: Principal, name: str) -> Peer:
    """Forget a peer with its bookmarks and runs. What it sent stays, with its provenance."""
    require(actor, Action.PEER_MANAGE)
    peer = get(uow, actor, name)
    uow.peers.delete(peer.id)
    record(uow, actor, _event("peer.remove", peer))
    return peer


def get(uow: UnitOfWork, actor: Principal, name: str) -> Peer:
    require(actor, Action.PEER_MANAGE)
    peer = uow.peers.by_name(name.strip())
    if peer is None:
        raise NotFound("peer", repr(name))
    return peer


def list_all(uow: UnitOfWork, actor: Principal) -> list[PeerStatus]:
    require(actor, Action.PEER_MANAGE)
    names = {o.id: o.name for o in uow.orgs.list()}
    last = uow.peers.last_runs()
    return [PeerStatus(p, names.get(p.org_id, str(p.org_id)), last.get(p.id))
            for p in uow.peers.every()]


def runs(uow: UnitOfWork, actor: Principal, name: str | None = None,
         limit: int = 50) -> list[SyncRun]:
    """Newest first; of one peer or of all."""
    require(actor, Action.PEER_MANAGE)
    peer_id = get(uow, actor, name).id if name else None
    return uow.peers.runs(peer_id, max(1, min(limit, 500)))


def _event(action: str, peer: Peer, **detail: object) -> AuditEvent:
    return AuditEvent(action, object_type="peer", object_id=str(peer.id), detail={
        "name": peer.name, "url": peer.url, "org_id": str(peer.org_id),
        "enabled": peer.enabled, "interval_minutes": peer.interval_minutes, **detail})
