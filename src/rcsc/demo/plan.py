"""A year of the region's incidents, planned from a seeded random generator: the same seed
and load time always give the same incidents (only their ids are new).

The plan is pure data; `rcsc.demo.incidents` files it through the incident services, so
the demo holds nothing a real analyst could not have entered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rcsc.core.incidents import Milestone, Status, add_month
from rcsc.core.tlp import Tlp
from rcsc.demo import catalogue as cat

YEAR = timedelta(days=365)
# Incidents filed in each twelfth of the year before the load, oldest first: a steady
# pace, then the rise of the last three months the region's CERTs reported (600 in all).
MONTHLY = (36, 38, 35, 40, 37, 42, 39, 41, 44, 62, 84, 102)
CERTS = {"cert-lt": "LT", "cert-ua": "UA", "cert-pl": "PL", "cert-ge": "GE",
         "cert-lv": "LV", "cert-ee": "EE", "cert-md": "MD"}
CERT_WEIGHTS = {"cert-ua": 26, "cert-pl": 20, "cert-lt": 16, "cert-lv": 10, "cert-ee": 10,
                "cert-ge": 9, "cert-md": 9}
TLP_WEIGHTS = {Tlp.CLEAR: 7, Tlp.GREEN: 30, Tlp.AMBER: 36, Tlp.AMBER_STRICT: 15, Tlp.RED: 12}
SIGNIFICANT = ("high", "critical")  # NIS2 Art. 23(3): these start the reporting clock
RECENT = timedelta(days=90)  # older incidents were all reported in full
_WORDS = ("secure", "login", "update", "portal", "cloud", "docs", "verify", "account",
          "mail", "sync", "office", "support", "gov", "files", "auth", "news")
_PATHS = ("index.php", "auth/login", "download/doc.zip", "wp-content/x.php", "owa/", "api/v2")
_LOCALS = ("noreply", "admin", "hr-department", "it-support", "info", "security")


@dataclass(frozen=True)
class Community:
    key: str
    name: str
    description: str
    members: frozenset[str]  # organisation keys


COMMUNITIES = (
    Community("baltic", "Baltic CERTs", "National CERTs and defence units of the Baltic "
              "states", frozenset({"cert-lt", "lt-mod", "lt-grid", "cert-lv", "cert-ee"})),
    Community("eap", "Eastern Partnership CERTs", "Ukraine, Georgia and Moldova",
              frozenset({"cert-ua", "ua-mod", "cert-ge", "cert-md"})),
    Community("lublin", "Lublin Triangle", "Poland, Lithuania and Ukraine",
              frozenset({"cert-pl", "pl-mod", "cert-lt", "lt-mod", "cert-ua", "ua-mod"})),
)


@dataclass
class Plan:
    at: datetime  # when it was filed
    owner: str  # a key of CERTS
    data: dict[str, Any]  # for incidents.service.create; recipients as keys, see below
    observables: list[dict[str, Any]] = field(default_factory=list)
    # (when, what): a Status to move to, a Milestone submitted, or a note (str)
    events: list[tuple[datetime, Status | Milestone | str]] = field(default_factory=list)
    recipient_orgs: tuple[str, ...] = ()  # organisation keys ("node" for the centre)
    recipient_communities: tuple[str, ...] = ()
    recipient_users: tuple[str, ...] = ()  # CERT keys (their analyst) or "coordinator"


def plan_year(now: datetime, seed: int = 2026) -> list[Plan]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible demo, not a secret
    step = YEAR / len(MONTHLY)
    plans = []
    for index, count in enumerate(MONTHLY):
        start = now - YEAR + index * step
        for _ in range(count):
            at = start + step * rng.random()
            plans.append(_plan(rng, min(at, now - timedelta(minutes=10)), now))
    plans.sort(key=lambda p: p.at)
    return plans


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _plan(rng: random.Random, at: datetime, now: datetime) -> Plan:
    owner = _pick(rng, CERT_WEIGHTS)
    scenario = rng.choices(cat.SCENARIOS, weights=[s.weight for s in cat.SCENARIOS])[0]
    campaigns = [c for c in cat.CAMPAIGNS if scenario.key in c.scenarios]
    campaign = rng.choice(campaigns) if campaigns and rng.random() < 0.55 else None
    target, sector, subsector = rng.choice(scenario.targets)
    product, cve = rng.choice(cat.PRODUCTS)
    malware = rng.choice(scenario.malware) if scenario.malware else None
    severity = rng.choice(scenario.severities)
    title = rng.choice(scenario.titles).format(
        target=target, product=product, cve=cve, lure=rng.choice(cat.LURES),
        malware=malware or "", leak=rng.choice(cat.LEAKS))
    plan = Plan(at=at, owner=owner, data={
        "title": title[0].upper() + title[1:], "summary": scenario.summary,
        "rsit_class": scenario.rsit_class, "rsit_type": scenario.rsit_type,
        "severity": severity, "sector": sector, "subsector": subsector,
        "attack_techniques": list(scenario.techniques), "malware": [malware] if malware else [],
        "threat_actors": _actors(rng, scenario.key, campaign),
        "cves": [cve] if "cve" in scenario.indicators else [],
    })
    _countries(rng, plan, campaign is not None)
    _marking(rng, plan)
    _times(rng, plan, now, significant=sector is not None and severity in SIGNIFICANT)
    _impact(rng, plan, sector)
    plan.observables = _observables(rng, plan, scenario, campaign, cve)
    return plan


def _actors(rng: random.Random, key: str, campaign: cat.Campaign | None) -> list[str]:
    if campaign is not None:
        return [campaign.actor]
    known = cat.ACTORS.get(key, ())
    return [rng.choice(known)] if known and rng.random() < 0.4 else []


def _countries(rng: random.Random, plan: Plan, in_campaign: bool) -> None:
    home = CERTS[plan.owner]
    others = sorted(set(CERTS.values()) - {home})
    cross = rng.random() < (0.45 if in_campaign else 0.15)
    plan.data["countries"] = [home, *rng.sample(others, rng.randint(1, 2))] if cross else [home]
    plan.data["cross_border"] = cross


def _marking(rng: random.Random, plan: Plan) -> None:
    tlp = _pick(rng, TLP_WEIGHTS)
    plan.data["tlp"] = tlp.value
    partners = sorted(set(CERTS) - {plan.owner})
    mine = [c.key for c in COMMUNITIES if plan.owner in c.members]
    if tlp is Tlp.GREEN and rng.random() < 0.5:
        plan.recipient_communities = (rng.choice(mine),)
    elif tlp is Tlp.AMBER:
        node = ("node",) if rng.random() < 0.6 else ()
        plan.recipient_orgs = (*rng.sample(partners, rng.randint(1, 3)), *node)
        if rng.random() < 0.25:
            plan.recipient_communities = (rng.choice(mine),)
    elif tlp is Tlp.AMBER_STRICT:
        node = ("node",) if rng.random() < 0.4 else ()
        plan.recipient_orgs = (*rng.sample(partners, rng.randint(1, 2)), *node)
    elif tlp is Tlp.RED:
        coordinator = ("coordinator",) if rng.random() < 0.5 else ()
        plan.recipient_users = (*rng.sample(partners, rng.randint(1, 2)), *coordinator)


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _times(rng: random.Random, plan: Plan, now: datetime, *, significant: bool) -> None:
    aware = plan.at - _hours(rng, 0.5, 20)
    detected = aware - _hours(rng, 0, 2)
    plan.data["started_at"] = detected - _hours(rng, 1, 240)
    plan.data["detected_at"] = detected
    if significant:
        plan.data["aware_at"] = aware
        plan.events += _milestones(rng, aware, plan.at, now)
    plan.events += _workflow(rng, plan, now)
    if rng.random() < 0.3:
        when = plan.at + (now - plan.at) * rng.uniform(0.05, 0.5)
        plan.events.append((when, "Indicators blocked at the national perimeter and shared "
                                  "with the sector CSIRTs."))
    plan.events.sort(key=lambda event: event[0])


def _milestones(rng: random.Random, aware: datetime, at: datetime,
                now: datetime) -> list[tuple[datetime, Status | Milestone | str]]:
    """NIS2 Art. 23(4) reports: all filed for older incidents; for recent ones some late
    and some missing (which the deadline view then shows as overdue)."""
    recent = now - at < RECENT
    found: list[tuple[datetime, Status | Milestone | str]] = []
    roll = rng.random()
    early = aware + (_hours(rng, 2, 22) if not recent or roll < 0.85 else _hours(rng, 25, 40))
    if recent and roll > 0.93:
        return found
    found.append((max(early, at), Milestone.EARLY_WARNING))
    roll = rng.random()
    notified = aware + (_hours(rng, 30, 70) if not recent or roll < 0.8 else _hours(rng, 74, 120))
    if recent and roll > 0.9:
        return [f for f in found if f[0] <= now]
    found.append((max(notified, at), Milestone.NOTIFICATION))
    if not recent or rng.random() < 0.6:
        final = min(add_month(notified), notified + timedelta(days=rng.uniform(12, 31)))
        found.append((final, Milestone.FINAL_REPORT))
    return [f for f in found if f[0] <= now]


# The steps of the workflow to reach each status (short cuts as incident handlers take them)
PATHS: dict[Status, tuple[Status, ...]] = {
    Status.NEW: (),
    Status.TRIAGE: (Status.TRIAGE,),
    Status.IN_PROGRESS: (Status.TRIAGE, Status.IN_PROGRESS),
    Status.CONTAINED: (Status.IN_PROGRESS, Status.CONTAINED),
    Status.RESOLVED: (Status.IN_PROGRESS, Status.CONTAINED, Status.RESOLVED),
    Status.CLOSED: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
}


def _target_status(rng: random.Random, age: timedelta) -> Status:
    if age < timedelta(days=3):
        return rng.choice((Status.NEW, Status.NEW, Status.TRIAGE, Status.IN_PROGRESS))
    if age < timedelta(days=14):
        return rng.choice((Status.IN_PROGRESS, Status.IN_PROGRESS, Status.CONTAINED,
                           Status.RESOLVED))
    if age < timedelta(days=45):
        return rng.choice((Status.CONTAINED, Status.RESOLVED, Status.RESOLVED, Status.CLOSED))
    return Status.RESOLVED if rng.random() < 0.15 else Status.CLOSED


def _workflow(rng: random.Random, plan: Plan,
              now: datetime) -> list[tuple[datetime, Status | Milestone | str]]:
    steps = PATHS[_target_status(rng, now - plan.at)]
    span = min(now - plan.at, timedelta(days=30))
    times = sorted(plan.at + span * rng.uniform(0.02, 1.0) for _ in steps)
    for status, when in zip(steps, times, strict=True):
        if status is Status.CONTAINED or (status is Status.RESOLVED
                                          and "contained_at" not in plan.data):
            plan.data["contained_at"] = when
        if status is Status.RESOLVED:
            plan.data["ended_at"] = when
    return list(zip(times, steps, strict=True))


def _impact(rng: random.Random, plan: Plan, sector: str | None) -> None:
    severe = plan.data["severity"] in SIGNIFICANT
    plan.data["affected_systems"] = rng.randint(5, 400) if severe else rng.randint(1, 20)
    plan.data["affected_users"] = rng.randint(50, 120_000) if severe else rng.randint(0, 200)
    plan.data["critical_infrastructure"] = sector in (
        "energy", "transport", "health", "drinking-water", "digital-infrastructure")


def _observables(rng: random.Random, plan: Plan, scenario: cat.Scenario,
                 campaign: cat.Campaign | None, cve: str) -> list[dict[str, Any]]:
    values: list[tuple[str, str]] = []
    if campaign is not None:
        values += rng.sample(campaign.indicators, rng.randint(1, min(3, len(campaign.indicators))))
    for _ in range(rng.randint(1, 3) if campaign is None else rng.randint(0, 2)):
        kind = rng.choice(scenario.indicators)
        values.append((kind, cve if kind == "cve" else _value(rng, kind)))
    tlp = Tlp(plan.data["tlp"])
    result = []
    for kind, value in dict.fromkeys(values):
        item: dict[str, Any] = {"type": kind, "value": value,
                                "first_seen": plan.data["started_at"], "last_seen": plan.at}
        if tlp is not Tlp.RED and rng.random() < 0.1:  # now and then a stricter own level
            item["tlp"] = list(Tlp)[rng.randint(tlp.rank + 1, Tlp.RED.rank)].value
        result.append(item)
    return result


def _domain(rng: random.Random) -> str:
    tld = rng.choice(("example", "test"))
    return f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}{rng.randint(1, 99)}.{tld}"


def _value(rng: random.Random, kind: str) -> str:
    match kind:
        case "ipv4":
            return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"
        case "ipv6":
            return f"2001:db8:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}"
        case "domain":
            return _domain(rng)
        case "url":
            return f"https://{_domain(rng)}/{rng.choice(_PATHS)}"
        case "email":
            return f"{rng.choice(_LOCALS)}@{_domain(rng)}"
        case "md5":
            return f"{rng.getrandbits(128):032x}"
    return f"{rng.getrandbits(256):064x}"  # sha256
