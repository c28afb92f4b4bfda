"""RCSC observables as STIX 2.1: a cyber-observable object (SCO) where STIX has a
standalone one, an `indicator` with the matching pattern, and a relationship to the incident.
A CVE becomes a `vulnerability` instead of an indicator.

Relationships use `related-to`: STIX 2.1 suggests no relationship with `incident` as source
or target (an indicator `indicates` attack patterns, campaigns, infrastructure, intrusion
sets, malware, threat actors and tools; stix2-validator warns on anything else), while
`related-to` is allowed between any two objects (§5.1.2).

Role: an IoC is an indicator of `malicious-activity`; a context observable (a victim's
address, an affected domain) is `unknown`, so a consumer that blocks on malicious-activity
indicators does not block the victim.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from rcsc.core.incidents import Incident, Observable, ObservableRole, Recipients
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.sharing.rule import stricter
from rcsc.stix.common import SPEC_VERSION, StixObject, timestamp
from rcsc.stix.ids import (
    identity_id,
    incident_id,
    indicator_id,
    relationship_id,
    sco_id,
    vulnerability_id,
)
from rcsc.stix.patterns import HASH_ALGORITHMS, pattern_for
from rcsc.stix.recipients import mark

# STIX 2.1 §6: the SCO type and its ID-contributing property for each observable type.
# A user agent has no standalone SCO (network-traffic needs protocols and an endpoint).
_SCO_TYPES: dict[ObservableType, tuple[str, str]] = {
    ObservableType.IPV4: ("ipv4-addr", "value"),
    ObservableType.IPV6: ("ipv6-addr", "value"),
    ObservableType.DOMAIN: ("domain-name", "value"),
    ObservableType.URL: ("url", "value"),
    ObservableType.EMAIL: ("email-addr", "value"),
    ObservableType.FILENAME: ("file", "name"),
    ObservableType.ASN: ("autonomous-system", "number"),
}
# SCO values must be an RFC 3986 URI (url) and an addr-spec (email-addr); RCSC keeps what
# analysts reported, which may be neither (a space in a path, an apostrophe in a mailbox).
# Such a value gets no SCO — its indicator still carries it exactly. The e-mail form is the
# one stix2-validator accepts, narrower than RFC 5322.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9._~:/?@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*$")
_EMAIL = re.compile(r"^[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+$")
INDICATOR_TYPES = {
    ObservableRole.IOC: "malicious-activity",
    ObservableRole.CONTEXT: "unknown",
}
RELATED_TO = "related-to"


def _sco_form(kind: ObservableType, value: str) -> bool:
    """Whether `value` is in the form STIX requires of the SCO's value."""
    if kind is ObservableType.URL:
        host = urlsplit(value).netloc.rpartition("@")[2]
        bracketed = host.startswith("[")  # an IPv6 literal, the one place [] may stand
        return bool(_URI.match(value.replace(host, "h", 1) if bracketed else value))
    if kind is ObservableType.EMAIL:
        return bool(_EMAIL.match(value))
    return True


def sco(kind: ObservableType, value: str, tlp: Tlp, recipients: Recipients) -> StixObject | None:
    """The SCO for a normalised value, marked; None for CVEs, user agents and values not
    in the SCO's required form (see `_sco_form`)."""
    properties: dict[str, object]
    if not _sco_form(kind, value):
        return None
    if kind in HASH_ALGORITHMS:
        stix_type, properties = "file", {"hashes": {HASH_ALGORITHMS[kind]: value}}
    elif kind in _SCO_TYPES:
        stix_type, key = _SCO_TYPES[kind]
        number = kind is ObservableType.ASN
        properties = {key: int(value.removeprefix("AS")) if number else value}
    else:
        return None
    obj: StixObject = {"type": stix_type, "spec_version": SPEC_VERSION,
                       "id": sco_id(stix_type, properties), **properties}
    return mark(obj, tlp, recipients)


def _sdo(stix_type: str, stix_id: str, created: datetime, modified: datetime,
         created_by_ref: str) -> StixObject:
    return {"type": stix_type, "spec_version": SPEC_VERSION, "id": stix_id,
            "created_by_ref": created_by_ref, "created": timestamp(created),
            "modified": timestamp(modified)}


def relationship(source_ref: str, relationship_type: str, target_ref: str, *,
                 created: datetime, created_by_ref: str, tlp: Tlp,
                 recipients: Recipients, modified: datetime | None = None) -> StixObject:
    """A relationship whose id is derived from what it links, so it is stated once."""
    obj = _sdo("relationship", relationship_id(source_ref, relationship_type, target_ref),
               created, modified or created, created_by_ref)
    obj.update(relationship_type=relationship_type, source_ref=source_ref,
               target_ref=target_ref)
    return mark(obj, tlp, recipients)


def observable_tlp(observable: Observable, incident: Incident) -> Tlp:
    """An observable is never shown more widely than its incident."""
    return stricter(incident.tlp, observable.tlp) if observable.tlp else incident.tlp


def _modified(observable: Observable, incident: Incident) -> datetime:
    """An observable's objects take their marking and recipients from the incident, so a
    change of the incident is a new version of them too (consumers compare `modified`)."""
    return max(observable.created_at, incident.updated_at)


def _description(observable: Observable, what: str) -> str:
    return observable.comment.strip() or f"{what} reported with an RCSC incident."


def indicator(observable: Observable, incident: Incident) -> StixObject | None:
    """The indicator for an observable; None for a CVE."""
    pattern = pattern_for(observable.type, observable.value)
    if pattern is None:
        return None
    what = "Indicator of compromise" if observable.role is ObservableRole.IOC else \
        "Context observable"
    obj = _sdo("indicator", indicator_id(incident.id, observable.id), observable.created_at,
               _modified(observable, incident), identity_id(incident.owner_org_id))
    obj.update(
        name=observable.value,
        description=_description(observable, f"{what} ({observable.type.value})"),
        indicator_types=[INDICATOR_TYPES[observable.role]],
        pattern=pattern,
        pattern_type="stix",
        pattern_version=SPEC_VERSION,
        valid_from=timestamp(observable.first_seen or observable.created_at),
    )
    return mark(obj, observable_tlp(observable, incident), incident.recipients)


def vulnerability(observable: Observable, incident: Incident) -> StixObject:
    """A CVE observable as a `vulnerability` named by the CVE id (STIX 2.1 §4.19)."""
    obj = _sdo("vulnerability", vulnerability_id(incident.id, observable.id),
               observable.created_at, _modified(observable, incident),
               identity_id(incident.owner_org_id))
    obj.update(
        name=observable.value,
        description=_description(observable, f"Vulnerability {observable.value}"),
        external_references=[{"source_name": "cve", "external_id": observable.value}],
    )
    return mark(obj, observable_tlp(observable, incident), incident.recipients)


def observable_objects(observable: Observable, incident: Incident) -> list[StixObject]:
    """Everything one observable of `incident` becomes: [SCO], indicator or vulnerability,
    and the relationship from that to the incident — all at the observable's level."""
    tlp = observable_tlp(observable, incident)
    found = sco(observable.type, observable.value, tlp, incident.recipients)
    main = indicator(observable, incident) or vulnerability(observable, incident)
    link = relationship(main["id"], RELATED_TO, incident_id(incident.id),
                        created=observable.created_at, created_by_ref=main["created_by_ref"],
                        tlp=tlp, recipients=incident.recipients,
                        modified=_modified(observable, incident))
    return [obj for obj in (found, main, link) if obj is not None]
