"""What the incident pages show besides the incident: labels, choices, list filters, cursors.

Labels are marked with N_ here and translated when the page renders, in the viewer's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from rcsc.core.identity import Organisation, Principal, Role
from rcsc.core.incidents import TRANSITIONS, Incident, Milestone, Severity, Status, TimelineKind
from rcsc.core.permissions import Action, allowed
from rcsc.core.taxonomy import NIS2_SECTORS, RSIT, SECTORS_BY_KEY
from rcsc.core.tlp import Tlp
from rcsc.errors import FieldError, ValidationFailed
from rcsc.incidents.fields import Collector
from rcsc.incidents.filters import build_query
from rcsc.storage.repos.incidents import IncidentQuery
from rcsc.web.api import cursors
from rcsc.web.i18n import N_
from rcsc.web.pages.incident_forms import local_day_end, local_day_start

SEVERITY_LABELS = {Severity.LOW: N_("Low"), Severity.MEDIUM: N_("Medium"),
                   Severity.HIGH: N_("High"), Severity.CRITICAL: N_("Critical")}
STATUS_LABELS = {Status.NEW: N_("New"), Status.TRIAGE: N_("Triage"),
                 Status.IN_PROGRESS: N_("In progress"), Status.CONTAINED: N_("Contained"),
                 Status.RESOLVED: N_("Resolved"), Status.CLOSED: N_("Closed")}
MILESTONE_LABELS = {Milestone.EARLY_WARNING: N_("Early warning (24 hours)"),
                    Milestone.NOTIFICATION: N_("Incident notification (72 hours)"),
                    Milestone.FINAL_REPORT: N_("Final report (one month)")}
KIND_LABELS = {TimelineKind.NOTE: N_("Note"), TimelineKind.ACTION: N_("Action"),
               TimelineKind.STATUS: N_("Status")}
TLP_MEANINGS = {
    Tlp.CLEAR: N_("anyone; no limit on disclosure"),
    Tlp.GREEN: N_("the member organisations of the community, not public"),
    Tlp.AMBER: N_("the recipient organisations and their clients, need-to-know"),
    Tlp.AMBER_STRICT: N_("the recipient organisations only"),
    Tlp.RED: N_("named individual recipients only"),
}
SORT = "created"  # newest first, as storage Page sorts by default
FILTERS = ("status", "rsit_class", "severity", "tlp", "country", "sector", "q", "from", "to")
LABELS = {"status": STATUS_LABELS, "severity": SEVERITY_LABELS}
FACET_TITLES = {"status": N_("Status"), "rsit_class": N_("RSIT class"),
                "severity": N_("Severity"), "tlp": N_("TLP"), "sector": N_("NIS2 sector")}


def may_write(actor: Principal) -> bool:
    return allowed(actor, Action.INCIDENT_WRITE)


def may_edit(actor: Principal, incident: Incident) -> bool:
    """Only the reporting organisation's writers change an incident (the service agrees)."""
    return may_write(actor) and actor.org_id == incident.owner_org_id


def sees_all_deadlines(actor: Principal) -> bool:
    return actor.has_role(Role.COORDINATOR, Role.ADMIN)


def next_statuses(current: Status) -> list[Status]:
    """The allowed targets in workflow order (core.incidents.TRANSITIONS)."""
    return [s for s in Status if s in TRANSITIONS[current]]


def rsit_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """(class, [(value, type)]) for a select with one optgroup per RSIT class."""
    return [(cls, [(f"{cls}/{t}", t) for t in types]) for cls, types in RSIT.items()]


ANNEX_LABELS = {"I": N_("Annex I: sectors of high criticality"),
                "II": N_("Annex II: other critical sectors")}


def sector_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(annex label, [(value, text)]) for a select with one optgroup per NIS2 annex; a
    sector is followed by its subsectors (`energy`, `energy/electricity`, …)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for s in NIS2_SECTORS:
        options = groups.setdefault(ANNEX_LABELS[s.annex], [])
        options.append((s.key, s.name))
        options += [(f"{s.key}/{k}", f"{s.name} — {n}") for k, n in s.subsectors]
    return list(groups.items())


def sector_label(key: str | None, subsector: str | None) -> str:
    if not key:
        return ""
    sector = SECTORS_BY_KEY.get(key)
    if sector is None:
        return key
    names = dict(sector.subsectors)
    return f"{sector.name} — {names.get(subsector, subsector)}" if subsector else sector.name


def org_names(orgs: list[Organisation]) -> dict[uuid.UUID, str]:
    return {o.id: o.name for o in orgs}


# --- the list: filters and the cursor ---------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    """The list's GET form as sent; `query()` checks it."""

    status: str = ""
    rsit_class: str = ""
    severity: str = ""
    tlp: str = ""
    country: str = ""
    sector: str = ""
    q: str = ""
    date_from: str = ""
    date_to: str = ""

    def params(self) -> dict[str, str]:
        values = {"status": self.status, "rsit_class": self.rsit_class,
                  "severity": self.severity, "tlp": self.tlp, "country": self.country,
                  "sector": self.sector, "q": self.q, "from": self.date_from,
                  "to": self.date_to}
        return {k: v for k, v in values.items() if v}

    def link(self, **changes: str) -> str:
        """The list URL with these filters, some replaced (an empty value drops one)."""
        params = {**self.params(), **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        return "/incidents" + (f"?{query}" if query else "")

    def query(self, zone: str) -> IncidentQuery:
        """The checked query; ValidationFailed names every bad filter by its input."""
        c = Collector()
        start = c.check("from", lambda v: _day(v, "from", zone, end=False), self.date_from)
        end = c.check("to", lambda v: _day(v, "to", zone, end=True), self.date_to)
        query = c.check("q", lambda _: build_query(
            status=_one(self.status), rsit_class=_one(self.rsit_class),
            severity=_one(self.severity), tlp=_one(self.tlp), country=_one(self.country),
            sector=_one(self.sector), q=self.q or None, created_from=start, created_to=end,
        ), None)
        c.raise_if_any()
        assert query is not None
        return query


FILTER_INPUT = {"created_from": "from", "created_to": "to"}


def filter_errors(errors: list[FieldError], general: str) -> dict[str, list[str]]:
    """Messages keyed by the list form's input names; others (the cursor) under `general`."""
    result: dict[str, list[str]] = {}
    for error in errors:
        name = FILTER_INPUT.get(error.field, error.field)
        if name in FILTERS:
            result.setdefault(name, []).append(error.message)
        else:
            result.setdefault(general, []).append(f"{error.field}: {error.message}")
    return result


def _one(value: str) -> list[str]:
    return [value] if value else []


def _day(text: str, name: str, zone: str, *, end: bool) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field(name, f"{text!r} is not a date (YYYY-MM-DD)") from None
    return local_day_end(day, zone) if end else local_day_start(day, zone)


def encode_cursor(incident: Incident) -> str:
    """The same opaque cursor the API gives out, for the list's newest-first order."""
    return cursors.encode(SORT, True, incident.created_at, incident.id)


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) of the last row shown; anything else is refused by name."""
    return cursors.decode(cursor, SORT, True)
