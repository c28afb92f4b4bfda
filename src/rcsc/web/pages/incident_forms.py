"""The incident form as a browser sends it, turned into what the service checks, and back.

The page converts only what is unambiguous (a `datetime-local` in the user's time zone, a
whole number, a comma-separated list); anything else is passed on as typed, so the service's
one Collector names every bad field at once, in the same words as the API.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from rcsc.core.incidents import Incident
from rcsc.errors import FieldError
from rcsc.storage import UnitOfWork

TIME_INPUTS = ("started_at", "detected_at", "aware_at", "contained_at", "ended_at")
COUNT_INPUTS = ("affected_systems", "affected_users")
FLAG_INPUTS = ("cross_border", "critical_infrastructure")
TEXT_LISTS = ("countries", "attack_techniques", "cves")  # codes: split on commas or spaces
NAME_LISTS = ("threat_actors", "malware")  # names may hold spaces: split on commas only
ID_LISTS = ("recipient_org_ids", "recipient_community_ids")
# A service field (its first dotted part) → the form input that shows its error.
INPUT_OF = {"rsit_class": "rsit", "rsit_type": "rsit", "subsector": "sector",
            "recipient_user_ids": "recipient_users"}
GENERAL = "_form"  # errors that belong to no input are listed above the form
_CODES = re.compile(r"[\s,;]+")
_NAMES = re.compile(r"[,;\n]+")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


@dataclass
class Parsed:
    """The service's `data` for one submitted form, plus what only the page can refuse."""

    data: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts_of(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def split_codes(text: str) -> list[str]:
    return [item for item in _CODES.split(text) if item]


def split_names(text: str) -> list[str]:
    return [item.strip() for item in _NAMES.split(text) if item.strip()]


def local_moment(text: str, zone: str) -> datetime | str | None:
    """A `datetime-local` value read in the user's zone, in UTC; unreadable text as is."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        naive = datetime.fromisoformat(cleaned)
    except ValueError:
        return cleaned
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_day_end(day: date, zone: str) -> datetime:
    """The start of the next local day: a date range includes its last day."""
    return local_day_start(day + timedelta(days=1), zone)


def input_value(moment: datetime | None, zone: str) -> str:
    """A UTC time as a `datetime-local` value in the user's zone."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime(LOCAL_INPUT)


def whole_number(text: str) -> int | str | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    return int(cleaned) if cleaned.isdigit() else cleaned


def pair(text: str) -> tuple[str, str | None]:
    """`class/type` or `sector/subsector` as chosen in an optgroup select."""
    first, sep, second = text.partition("/")
    return first, (second if sep else None)


def _users(uow: UnitOfWork, emails: list[str]) -> tuple[list[str], list[FieldError]]:
    """Named recipients by e-mail → their ids. An unknown address is passed on as typed, so
    the service refuses the whole form (it is not a UUID) and nothing is written."""
    ids: list[str] = []
    errors: list[FieldError] = []
    for email in emails:
        user = uow.users.get_by_email(email.strip().lower())
        ids.append(str(user.id) if user else email)
        if user is None:
            errors.append(FieldError("recipient_users", f"no user has the e-mail {email}"))
    return ids, errors


def parse_incident(form: FormData, zone: str, uow: UnitOfWork) -> Parsed:
    rsit_class, rsit_type = pair(text_of(form, "rsit"))
    sector, subsector = pair(text_of(form, "sector"))
    data: dict[str, Any] = {
        "title": text_of(form, "title"), "summary": text_of(form, "summary"),
        "rsit_class": rsit_class, "rsit_type": rsit_type or "",
        "sector": sector or None, "subsector": subsector,
        "severity": text_of(form, "severity"), "tlp": text_of(form, "tlp"),
    }
    data.update({name: split_codes(text_of(form, name)) for name in TEXT_LISTS})
    data.update({name: split_names(text_of(form, name)) for name in NAME_LISTS})
    data.update({name: whole_number(text_of(form, name)) for name in COUNT_INPUTS})
    data.update({name: text_of(form, name) == "on" for name in FLAG_INPUTS})
    data.update({name: local_moment(text_of(form, name), zone) for name in TIME_INPUTS})
    data.update({name: texts_of(form, name) for name in ID_LISTS})
    user_ids, errors = _users(uow, split_names(text_of(form, "recipient_users")))
    data["recipient_user_ids"] = user_ids
    if text_of(form, "exercise_id"):  # filed from an exercise inbox: exercise data
        data["exercise_id"] = text_of(form, "exercise_id")
    return Parsed(data, errors)


def merge_errors(service: Iterable[FieldError], page: list[FieldError]) -> list[FieldError]:
    """The service's errors, except those about unknown users that the page names better."""
    if not page:
        return list(service)
    kept = [e for e in service if not e.field.startswith("recipient_user_ids")]
    return kept + page


def by_input(errors: Iterable[FieldError], inputs: Iterable[str]) -> dict[str, list[str]]:
    """Error messages keyed by the form input they belong beside (`countries.0` →
    `countries`); fields the form does not show go under GENERAL."""
    known = set(inputs)
    result: dict[str, list[str]] = {}
    for error in errors:
        head = error.field.split(".")[0]
        name = INPUT_OF.get(head, head)
        key = name if name in known else GENERAL
        message = error.message if key != GENERAL else f"{error.field}: {error.message}"
        messages = result.setdefault(key, [])
        if message not in messages:  # rsit_class and rsit_type may both be "required"
            messages.append(message)
    return result


INCIDENT_INPUTS = ("title", "summary", "rsit", "sector", "severity", "tlp", *TEXT_LISTS,
                   *NAME_LISTS, *COUNT_INPUTS, *FLAG_INPUTS, *TIME_INPUTS, *ID_LISTS,
                   "recipient_users")


def values_from_form(form: FormData) -> dict[str, Any]:
    """What the user typed, to show the form again unchanged."""
    values: dict[str, Any] = {name: text_of(form, name) for name in INCIDENT_INPUTS}
    values.update({name: texts_of(form, name) for name in ID_LISTS})
    values.update({name: text_of(form, name) == "on" for name in FLAG_INPUTS})
    values["version"] = text_of(form, "version")
    values["exercise_id"] = text_of(form, "exercise_id")
    return values


def _joined(items: Iterable[str]) -> str:
    return ", ".join(items)


def values_from_incident(incident: Incident, zone: str,
                         user_emails: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """An existing incident as form values, its times in the user's zone."""
    values: dict[str, Any] = {
        "title": incident.title, "summary": incident.summary,
        "rsit": f"{incident.rsit_class}/{incident.rsit_type}",
        "sector": "/".join(p for p in (incident.sector, incident.subsector) if p),
        "severity": incident.severity.value, "tlp": incident.tlp.value,
        "countries": _joined(sorted(incident.countries)),
        "attack_techniques": _joined(incident.attack_techniques),
        "cves": _joined(incident.cves), "threat_actors": _joined(incident.threat_actors),
        "malware": _joined(incident.malware),
        "affected_systems": _number(incident.impact.affected_systems),
        "affected_users": _number(incident.impact.affected_users),
        "cross_border": incident.impact.cross_border,
        "critical_infrastructure": incident.impact.critical_infrastructure,
        "recipient_org_ids": [str(i) for i in incident.recipients.org_ids],
        "recipient_community_ids": [str(i) for i in incident.recipients.community_ids],
        "recipient_users": _joined(sorted(user_emails.get(u, str(u))
                                          for u in incident.recipients.user_ids)),
        "version": str(incident.version),
    }
    values.update({name: input_value(getattr(incident.times, name), zone)
                   for name in TIME_INPUTS})
    return values


def blank_values(own_country: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in INCIDENT_INPUTS}
    values.update({name: [] for name in ID_LISTS})
    values.update({name: False for name in FLAG_INPUTS})
    values.update(severity="medium", tlp="amber", countries=own_country or "", version="")
    return values


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
