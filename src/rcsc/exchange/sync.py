"""Syncing with a peer node over TAXII 2.1: pull what it may give us, push what it may
receive, and record the run.

- **Pull**: for each of the peer's collections (`shared`, `incidents`), every version added
  after our bookmark, page by page (`added_after`, then `next`). Each page is stored through
  `taxii.add_objects` — the one write path — as the peer's organisation with the role peer,
  so each version keeps its provenance (`received_from` = the peer, `origin` = peer-sync,
  `date_added` = now) and the boundary holds on the way back. A page and the bookmark after
  it commit together: a failure later never loses or repeats a stored page.
- **Push**: for each of our collections (`shared`, `incidents`), the versions after our push
  bookmark that the peer's organisation may see here *and* that may cross to its node
  (`Boundary`, applied in SQL by `uow.stix.page`: the same rule the peer meets when it reads
  from us over TAXII). They go in envelopes within the peer's `max_content_length`; the
  bookmark moves after each accepted envelope.
- **Idempotent**: a stored version posted again is "unchanged", so a repeated or overlapping
  sync stores nothing twice; a second sync with nothing new moves nothing.
- **Robust**: a peer that is down, slow or answers garbage fails the run with a reason; what
  was committed before stays, bookmarks never pass data that was not stored, and one peer's
  failure never stops the others. Objects the peer refuses (or we reject) are decided, not
  transient: they are named in the run, which is marked failed, and not sent again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx

from rcsc.accounts.audit import record
from rcsc.config import Settings
from rcsc.core.exchange import Boundary, ObjectQuery, ObjectVersion, VersionChoice
from rcsc.core.federation import Bookmark, Counts, Direction, Peer, RunOutcome, SyncRun
from rcsc.core.identity import ActorType, AuditEvent, Outcome, Principal, Role, Scope
from rcsc.errors import RcscError
from rcsc.exchange import peers, taxii
from rcsc.exchange.remote import PeerFailed, Remote, Timeouts, date_added_last
from rcsc.exchange.remote import field as typed
from rcsc.sharing.rule import NOBODY
from rcsc.storage import Database

log = logging.getLogger("rcsc.federation")
PULLED = ("shared", "incidents")  # the peer's collections we read
PUSHED = ("shared", "incidents")  # our collections we send from
TARGET = "shared"  # where objects land, on either side
ORIGIN = "peer-sync"
UNCHANGED = "already stored: unchanged"  # an RCSC peer's message for a version it holds
MAX_PAGES = 100_000  # per collection and run: a peer whose `next` never ends is cut off
ENVELOPE_OVERHEAD = 64
NAMED_PROBLEMS = 20


@dataclass(frozen=True)
class Options:
    timeouts: Timeouts
    page_size: int = 1000
    push_batch: int = 500
    overlap: timedelta = timedelta(0)

    @classmethod
    def of(cls, settings: Settings) -> Options:
        return cls(Timeouts(settings.federation_connect_timeout,
                            settings.federation_read_timeout),
                   settings.federation_page_size, settings.federation_push_batch,
                   timedelta(seconds=settings.federation_pull_overlap_seconds))


@dataclass
class _Tally:
    counts: Counts = field(default_factory=Counts)
    problems: list[str] = field(default_factory=list)
    unnamed: int = 0

    def add(self, **moved: int) -> None:
        self.counts = self.counts + Counts(**moved)

    def problem(self, text: str) -> None:
        if len(self.problems) < NAMED_PROBLEMS:
            self.problems.append(text)
        else:
            self.unnamed += 1

    @property
    def error(self) -> str:
        more = f"; and {self.unnamed} more" if self.unnamed else ""
        return "; ".join(self.problems) + more


def peer_principal(peer: Peer) -> Principal:
    """Who stores what a peer sends: its organisation, with the role peer (so the objects'
    `received_from` names that node and the boundary keeps them from going back)."""
    return Principal(ActorType.PEER, None, f"peer:{peer.name}", peer.name, peer.org_id,
                     frozenset({Role.PEER}), frozenset({Scope.READ, Scope.WRITE, Scope.SYNC}))


# --- pull -----------------------------------------------------------------------------------


def _pull(db: Database, remote: Remote, peer: Peer, alias: str, options: Options,
          tally: _Tally) -> None:
    with db.transaction(readonly=True) as uow:
        mark = uow.peers.bookmark(peer.id, Direction.PULL, alias)
    params = {"limit": str(options.page_size), "match[version]": "all"}
    if mark is not None:
        params["added_after"] = taxii.added_text(mark.at - options.overlap)
    what = f"GET {alias} from {peer.name}"
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        answer = remote.request("GET", f"collections/{alias}/objects/", what,
                                ok=(200, 404), params=params)
        if answer is None:
            return  # the peer has no such collection (yet): nothing to pull
        objects = typed(answer.body, "objects", list, what, [])
        more = typed(answer.body, "more", bool, what, False)
        following = typed(answer.body, "next", str, what)
        if more and (not following or following in seen):  # checked before storing
            raise PeerFailed(f"{what}: `more` is true but `next` is missing or repeats")
        if objects:
            _store(db, peer, alias, answer.raw, date_added_last(answer, what), tally)
        if not more:
            return
        seen.add(following)
        params = {**params, "next": following}
    raise PeerFailed(f"{what}: more than {MAX_PAGES} pages in one run")


def _store(db: Database, peer: Peer, alias: str, raw: bytes, last: datetime,
           tally: _Tally) -> None:
    """One page and the bookmark after it, in one transaction."""
    with db.transaction() as uow:
        status = taxii.add_objects(uow, peer_principal(peer), TARGET, raw, origin=ORIGIN)
        uow.peers.advance(Bookmark(peer.id, Direction.PULL, alias, last,
                                   taxii.added_text(last)))
    outcomes = [s.outcome for s in status.successes]
    tally.add(pulled_created=outcomes.count("created"), pulled_updated=outcomes.count("updated"),
              pulled_unchanged=outcomes.count("unchanged"),
              pulled_rejected=len(status.failures))
    for failure in status.failures:
        tally.problem(f"rejected {failure.id} from {peer.name}: {failure.message}")


# --- push -----------------------------------------------------------------------------------


def _push(db: Database, remote: Remote, peer: Peer, alias: str, max_bytes: int,
          options: Options, tally: _Tally) -> None:
    with db.transaction(readonly=True) as uow:
        collection = uow.stix.collection(alias)
    if collection is None:
        return  # nothing was ever published here
    more = True
    while more:
        with db.transaction(readonly=True) as uow:
            mark = uow.peers.bookmark(peer.id, Direction.PUSH, alias)
            viewer = uow.incidents.viewer(NOBODY, peer.org_id)
            items, more = uow.stix.page(viewer, collection.id, ObjectQuery(
                after=(mark.at, mark.pk) if mark else None, limit=options.push_batch,
                choices=frozenset({VersionChoice.ALL}), boundary=Boundary(peer.org_id)))
        for batch, end in _envelopes(items, max_bytes, peer, tally):
            if batch:
                _send(remote, peer, batch, tally)
            with db.transaction() as uow:  # past what was sent, or refused as too large
                uow.peers.advance(Bookmark(peer.id, Direction.PUSH, alias, end.date_added,
                                           pk=end.pk))


def _envelopes(items: list[ObjectVersion], max_bytes: int, peer: Peer, tally: _Tally
               ) -> Iterator[tuple[list[ObjectVersion], ObjectVersion]]:
    """Batches whose envelope fits the peer's `max_content_length`, each with the last
    version it covers; a version too large for any envelope is refused here and named."""
    batch: list[ObjectVersion] = []
    size = ENVELOPE_OVERHEAD
    for index, item in enumerate(items):
        if len(item.body) + ENVELOPE_OVERHEAD > max_bytes:
            tally.add(pushed_refused=1)
            tally.problem(f"{item.stix_id} is larger than {peer.name}'s max_content_length "
                          f"({max_bytes} bytes)")
            continue
        if batch and size + len(item.body) + 1 > max_bytes:
            yield batch, items[index - 1]
            batch, size = [], ENVELOPE_OVERHEAD
        batch.append(item)
        size += len(item.body) + 1
    if items:
        yield batch, items[-1]


def _send(remote: Remote, peer: Peer, batch: list[ObjectVersion], tally: _Tally) -> None:
    what = f"POST to {peer.name}"
    body = b'{"objects":[' + b",".join(i.body for i in batch) + b"]}"
    answer = remote.request("POST", f"collections/{TARGET}/objects/", what, ok=(200, 201, 202),
                            content=body)
    assert answer is not None
    successes = typed(answer.body, "successes", list, what, [])
    failures = typed(answer.body, "failures", list, what, [])
    pendings = typed(answer.body, "pendings", list, what, [])
    if not (successes or failures or pendings) and typed(
            answer.body, "total_count", int, what, 0) != 0:
        raise PeerFailed(f"{what}: the status names none of the objects it counts")
    details = [d for d in successes + failures + pendings if isinstance(d, dict)]
    if len(details) != len(successes) + len(failures) + len(pendings):
        raise PeerFailed(f"{what}: the status lists entries that are not objects")
    unchanged = sum(1 for d in successes if d.get("message") == UNCHANGED)
    tally.add(pushed=len(successes) - unchanged + len(pendings), pushed_unchanged=unchanged,
              pushed_refused=len(failures))
    for failure in failures:
        tally.problem(f"{peer.name} refused {failure.get('id')}: {failure.get('message', '')}")


# --- runs -----------------------------------------------------------------------------------


def _api_root(remote: Remote, peer: Peer) -> int:
    """The peer's `max_content_length` (TAXII 2.1 §4.2), which also proves the URL is an
    API root that takes our token."""
    what = f"GET the API root of {peer.name}"
    answer = remote.request("GET", "", what)
    assert answer is not None
    limit = typed(answer.body, "max_content_length", int, what)
    if limit is None or limit < 1024:
        raise PeerFailed(f"{what}: `max_content_length` is missing or below 1024 bytes")
    return int(limit)


def _exchange(db: Database, options: Options, secret_key: str, peer: Peer, tally: _Tally,
              transport: httpx.BaseTransport | None) -> None:
    token = peers.unseal(secret_key, peer.token_encrypted)
    remote = Remote(peer.url, token, options.timeouts, transport)
    try:
        max_bytes = _api_root(remote, peer)
        for alias in PULLED:
            _pull(db, remote, peer, alias, options, tally)
        for alias in PUSHED:
            _push(db, remote, peer, alias, max_bytes, options, tally)
    finally:
        remote.close()


def sync_peer(db: Database, options: Options, secret_key: str, peer: Peer, actor: Principal,
              transport: httpx.BaseTransport | None = None) -> SyncRun:
    """One run with one peer, recorded and audited whatever happens to it."""
    run = SyncRun(uuid.uuid4(), peer.id, peer.name, db.clock.now(), None, RunOutcome.RUNNING,
                  Counts())
    with db.transaction() as uow:
        uow.peers.save_run(run)
    tally = _Tally()
    try:
        _exchange(db, options, secret_key, peer, tally, transport)
    except PeerFailed as exc:
        tally.problem(str(exc))
    except RcscError as exc:
        tally.problem(exc.detail)
    except Exception as exc:  # a bug must not stop the other peers; it is logged in full
        log.exception("sync with %s failed", peer.name)
        tally.problem(f"internal error: {type(exc).__name__}: {exc}")
    return _finish(db, run, peer, tally, actor)


def _finish(db: Database, run: SyncRun, peer: Peer, tally: _Tally,
            actor: Principal) -> SyncRun:
    done = replace(run, finished_at=db.clock.now(), counts=tally.counts, error=tally.error,
                   outcome=RunOutcome.FAILED if tally.problems else RunOutcome.OK)
    with db.transaction() as uow:
        current = uow.peers.get(peer.id)
        if current is None:
            return done  # removed meanwhile: its runs went with it
        uow.peers.save_run(done)
        if current.enabled:
            assert done.finished_at is not None
            uow.peers.schedule(peer.id, done.finished_at + timedelta(
                minutes=current.interval_minutes))
        record(uow, actor, _audit(done))
    if done.outcome is RunOutcome.FAILED:
        log.warning("sync with %s failed: %s", peer.name, done.error)
    return done


def _audit(run: SyncRun) -> AuditEvent:
    c = run.counts
    return AuditEvent("peer.sync", Outcome.SUCCESS if run.outcome is RunOutcome.OK
                      else Outcome.FAILURE, object_type="peer", object_id=str(run.peer_id),
                      detail={"name": run.peer_name, "run": str(run.id),
                              "pulled_created": c.pulled_created,
                              "pulled_updated": c.pulled_updated,
                              "pulled_unchanged": c.pulled_unchanged,
                              "pulled_rejected": c.pulled_rejected, "pushed": c.pushed,
                              "pushed_unchanged": c.pushed_unchanged,
                              "pushed_refused": c.pushed_refused, "error": run.error[:1000]})


def run(db: Database, settings: Settings, actor: Principal, name: str | None = None,
        transport: httpx.BaseTransport | None = None) -> list[SyncRun]:
    """Sync one peer by name now (enabled or not), or every enabled peer; one after the
    other, each whatever happened to the one before."""
    with db.transaction(readonly=True) as uow:
        chosen = [peers.get(uow, actor, name)] if name else \
            [s.peer for s in peers.list_all(uow, actor) if s.peer.enabled]
    return [sync_peer(db, Options.of(settings), settings.effective_secret_key, p, actor,
                      transport) for p in chosen]


def run_due(db: Database, settings: Settings, actor: Principal, limit: int = 20
            ) -> list[SyncRun]:
    """Claim the peers that are due (each by one process only) and sync them."""
    with db.transaction() as uow:
        due = uow.peers.claim_due(db.clock.now(), limit)
    return [sync_peer(db, Options.of(settings), settings.effective_secret_key, p, actor)
            for p in due]
