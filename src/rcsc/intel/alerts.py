"""Alerts, raised after the indexer has committed a batch, in a transaction of their own.

For each newly indexed object (its newest version), every object of ANOTHER organisation
that carries one of its values (equal, or an address inside the other's CIDR range) makes
one alert for each side, but only when each organisation may see the other's item: the
sharing rule is evaluated for each side's organisation as the viewer (an organisation has
no individual user, so RED items, addressed to people, never alert an organisation). No
alert is raised on a benign value (a warninglist or local allow-list names it), nor on an
over-correlating one (carried by more items than the correlation limit).

Values shared by items of two or more countries within the cluster window make one
"cross-border cluster" alert per coordinator, value and window, again only from items the
coordinator may see. Alerts are idempotent: one per recipient × pair of items × value (or
recipient × value × window), however often the indexer runs. Each new alert is queued for
delivery (`intel.delivery`) in the same transaction; nothing is sent from here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rcsc.config import Settings
from rcsc.core.alerts import AlertKind, ItemInfo, NewAlert, dedupe_key
from rcsc.core.identity import ActorType, Principal, Role, Scope
from rcsc.core.intel import IndexedValue, Match
from rcsc.intel import ageing, benign, delivery, warninglists
from rcsc.sharing import Viewer
from rcsc.sharing.rule import NOBODY
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.repos.alerts import AlertRepo

log = logging.getLogger("rcsc.intel")
MAX_MATCHES = 5000  # postings read per new object


@dataclass(frozen=True)
class AlertRules:
    correlation_limit: int = 100
    cluster_window_days: int = 7
    public_base_url: str = "http://127.0.0.1:8000"
    mail: bool = False  # whether SMTP is configured (no mail is queued otherwise)


def _as_org(org_id: uuid.UUID) -> Principal:
    """The organisation itself as a reader (no individual user): whose sightings count."""
    return Principal(ActorType.SYSTEM, NOBODY, "alerts", "alerts", org_id,
                     frozenset({Role.VIEWER}), frozenset({Scope.READ}))


class _Context:
    """What one round reads once: the organisations' viewers, names and countries."""

    def __init__(self, uow: UnitOfWork, repo: AlertRepo) -> None:
        self.uow = uow
        self.repo = repo
        self._viewers: dict[uuid.UUID, Viewer] = {}
        self._orgs: dict[uuid.UUID, tuple[str, str]] = {}
        self._sees: dict[tuple[uuid.UUID, int], bool] = {}
        self._titles: dict[str, str] = {}
        self._alive: dict[tuple[uuid.UUID, IndexedValue, int], bool] = {}
        self._stored: dict[int, tuple[bytes, datetime]] = {}
        self._verdicts: benign.Verdicts | None = None

    @property
    def verdicts(self) -> benign.Verdicts:
        if self._verdicts is None:
            self._verdicts = benign.load(self.uow)
        return self._verdicts

    def viewer(self, org_id: uuid.UUID) -> Viewer:
        """The organisation as a viewer: its communities, no individual user."""
        if org_id not in self._viewers:
            self._viewers[org_id] = self.uow.incidents.viewer(NOBODY, org_id)
        return self._viewers[org_id]

    def org(self, org_id: uuid.UUID) -> tuple[str, str]:
        if org_id not in self._orgs:
            self._orgs.update(self.repo.countries([org_id]))
        return self._orgs.get(org_id, ("?", "??"))

    def sees(self, org_id: uuid.UUID, object_pk: int) -> bool:
        key = (org_id, object_pk)
        if key not in self._sees:
            self._sees[key] = bool(self.repo.visible_pks(self.viewer(org_id), [object_pk]))
        return self._sees[key]

    def still_alerts(self, org_id: uuid.UUID, value: IndexedValue, stix_id: str,
                     pk: int) -> bool:
        """Whether the item's value still alerts (not expired, false-positive or decayed),
        judged on the sightings the recipient organisation may see (`intel.ageing`)."""
        key = (org_id, value, pk)
        if key not in self._alive:
            if pk not in self._stored:
                self._stored.update(self.repo.stored([pk]))
            body, added = self._stored[pk]
            self._alive[key] = ageing.alerts_now(self.uow, _as_org(org_id), value, stix_id,
                                                 ageing.lifetime_of(body, added))
        return self._alive[key]

    def title(self, ref: str, fallback: str) -> str:
        """An incident's title (from its published `incident` object), else the object's."""
        if not ref.startswith("incident:"):
            return fallback
        if ref not in self._titles:
            self._titles.update(self.repo.incident_titles([ref]))
        return self._titles.get(ref, fallback)


def after_index(db: Database, object_pks: Sequence[int], rules: AlertRules) -> int:
    """Raise the alerts for objects just indexed (a committed batch) and queue their
    delivery; how many alerts were new.

    The deciding is done in a read-only transaction (on SQLite it takes no write lock, so
    requests are never kept waiting by it) and the warninglists are built before it; only
    the new alerts and their deliveries are written, in one short transaction."""
    if not object_pks:
        return 0
    warninglists.shipped()  # built once per process, outside any transaction
    with db.transaction(readonly=True) as uow:
        wanted = plan(uow, object_pks, rules)
    if not wanted:
        return 0
    with db.transaction() as uow:
        made = AlertRepo(uow.session).add_new(wanted, uow.clock.now())
        delivery.fan_out(uow, made, rules)
    return len(made)


def plan(uow: UnitOfWork, object_pks: Sequence[int], rules: AlertRules) -> list[NewAlert]:
    """The alerts these newly indexed objects call for (stored or not yet)."""
    repo = AlertRepo(uow.session)
    ctx = _Context(uow, repo)
    items = repo.items(object_pks)
    values = repo.values_by_object([i.pk for i in items])
    quiet = _quiet(ctx, [v for vs in values.values() for v in vs], rules)
    wanted: list[NewAlert] = []
    for item in items:
        loud = [v for v in values.get(item.pk, []) if v not in quiet]
        if loud:
            wanted += _match_alerts(ctx, item, loud, quiet)
    loud_values = {v for vs in values.values() for v in vs if v not in quiet}
    return wanted + _cluster_alerts(ctx, loud_values, rules)


def _quiet(ctx: _Context, values: list[IndexedValue], rules: AlertRules) -> set[IndexedValue]:
    """The values that raise no alert: benign or over-correlating."""
    if not values:
        return set()
    spread = ctx.uow.intel.spread([v.key for v in values], rules.correlation_limit)
    hot = {v for v in values if spread.get(v.key, 0) > rules.correlation_limit}
    return hot | set(ctx.verdicts.of(values))


def _match_alerts(ctx: _Context, item: ItemInfo, values: list[IndexedValue],
                  quiet: set[IndexedValue]) -> list[NewAlert]:
    own = item.owner_org_id
    found: list[NewAlert] = []
    for match in ctx.uow.intel.matches(ctx.viewer(own), values, MAX_MATCHES):
        other = match.obj
        if other.owner_org_id == own or match.found in quiet:
            continue
        if (other.source_key or other.stix_id) == item.ref:
            continue
        if not ctx.sees(other.owner_org_id, item.pk):
            continue  # the other side may not see this item: neither side learns of it
        if _benign_found(ctx, match):
            continue
        found += _pair(ctx, item, match)
    return found


def _benign_found(ctx: _Context, match: Match) -> bool:
    """A range around an address may itself be on an allow-list or warninglist."""
    if match.found == match.asked:
        return False
    return bool(ctx.verdicts.reasons(match.found))


def _describe(ctx: _Context, org_id: uuid.UUID, ref: str, title: str) -> dict[str, str]:
    name, country = ctx.org(org_id)
    kind = "incident" if ref.startswith("incident:") else "object"
    return {"kind": kind, "ref": ref.removeprefix("incident:"), "title": ctx.title(ref, title),
            "org_id": str(org_id), "org_name": name, "country": country}


def _pair(ctx: _Context, item: ItemInfo, match: Match) -> list[NewAlert]:
    """The two alerts of one match: to the new item's organisation and to the other's."""
    other = match.obj
    other_ref = other.source_key or other.stix_id
    mine = _describe(ctx, item.owner_org_id, item.ref, item.name or item.stix_id)
    theirs = _describe(ctx, other.owner_org_id, other_ref, other.name or other.stix_id)
    value_a, value_b = sorted([f"{match.asked.kind}:{match.asked.value}",
                               f"{match.found.kind}:{match.found.value}"])
    refs = sorted([item.ref, other_ref])
    made = []
    sides = ((item.owner_org_id, match.asked, mine, theirs),
             (other.owner_org_id, match.found, theirs, mine))
    for recipient, value, me, them in sides:
        if not (ctx.still_alerts(recipient, match.asked, item.stix_id, item.pk)
                and ctx.still_alerts(recipient, match.found, other.stix_id, other.pk)):
            continue
        key = dedupe_key(AlertKind.MATCH, recipient, *refs, value_a, value_b)
        title = f"{value.value}: shared with {them['org_name']} ({them['country']})"
        made.append(NewAlert(key, recipient, None, AlertKind.MATCH, value, title,
                             {"own": me, "other": them, "asked": str(match.asked.value),
                              "found": str(match.found.value)}))
    return made


def _cluster_alerts(ctx: _Context, values: Iterable[IndexedValue],
                    rules: AlertRules) -> list[NewAlert]:
    keys = [v.key for v in values]
    if not keys:
        return []
    now = ctx.uow.clock.now()
    since = now - timedelta(days=rules.cluster_window_days)
    window = int(now.timestamp() // (rules.cluster_window_days * 86_400))
    made: list[NewAlert] = []
    for user_id, org_id in ctx.repo.coordinators():
        viewer = ctx.uow.incidents.viewer(user_id, org_id)
        for cluster in ctx.repo.clusters(viewer, since, keys):
            v = cluster.value
            key = dedupe_key(AlertKind.CLUSTER, user_id, v.kind, v.value, window)
            title = f"{v.value}: cross-border cluster ({', '.join(cluster.countries)})"
            made.append(NewAlert(key, org_id, user_id, AlertKind.CLUSTER, v, title, {
                "countries": list(cluster.countries), "items": cluster.items,
                "first_seen": cluster.first_seen.isoformat(),
                "last_seen": cluster.last_seen.isoformat(),
                "window_days": rules.cluster_window_days}))
    return made


def rules_of(settings: Settings) -> AlertRules:
    """The alert rules of a node's settings (mail is queued only when SMTP is set up)."""
    return AlertRules(correlation_limit=settings.correlation_limit,
                      cluster_window_days=settings.cluster_window_days,
                      public_base_url=settings.public_base_url, mail=bool(settings.smtp_host))
