"""Free-text extraction: the observables in a pasted report or an uploaded text file,
found by ioc-finder (which understands defanged forms such as `hxxp://evil[.]lt` and
`1.2.3[.]4`), normalised as incident observables are, the benign ones marked with their
reasons; the analyst then picks which to attach to an incident (through the incident
observables service, so the incident's rules apply)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rcsc.core.identity import Principal
from rcsc.core.incidents import Observable
from rcsc.core.intel import IndexedValue, detect
from rcsc.core.observables import ObservableType as T
from rcsc.core.observables import refang
from rcsc.core.permissions import Action, require
from rcsc.errors import ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents import observables
from rcsc.intel import benign
from rcsc.storage import UnitOfWork

MAX_TEXT = 256 * 1024  # characters: ioc-finder reads about 150 KB/s here
MAX_ATTACH = 1000
# ioc-finder's type names -> ours. Its `file_paths`, `user_agents` (greedy: it runs to the
# end of the line) and the rest are left out: too noisy to offer as observables.
TYPES: dict[str, T] = {
    "urls": T.URL, "domains": T.DOMAIN, "email_addresses": T.EMAIL, "ipv4s": T.IPV4,
    "ipv6s": T.IPV6, "ipv4_cidrs": T.IPV4, "ipv6_cidrs": T.IPV6, "md5s": T.MD5,
    "sha1s": T.SHA1, "sha256s": T.SHA256, "sha512s": T.SHA512, "cves": T.CVE, "asns": T.ASN,
}


@dataclass(frozen=True)
class Found:
    value: IndexedValue
    benign: list[str]


def _recognised(kind: T, text: str) -> IndexedValue | None:
    if kind is T.ASN and text.upper().startswith("ASN"):
        text = "AS" + text[3:]
    return detect(text, kind)


def find(uow: UnitOfWork, actor: Principal, text: str) -> list[Found]:
    """The observables in the text, in order of type then value, each once, with the
    benign ones' reasons."""
    require(actor, Action.INTEL_READ)
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationFailed.field("text", f"must be text of at most {MAX_TEXT:,} "
                                             "characters")
    from ioc_finder import find_iocs  # its grammars: half a second, on first use

    raw = find_iocs(text, included_ioc_types=list(TYPES), parse_address_from_cidr=False,
                    parse_urls_without_scheme=False)
    found: dict[IndexedValue, None] = {}
    for name, kind in TYPES.items():
        for item in raw.get(name) or []:
            value = _recognised(kind, refang(str(item)))
            if value is not None:
                found[value] = None
    verdicts = benign.load(uow)
    ordered = sorted(found, key=lambda v: (list(T).index(v.kind), v.value))
    return [Found(v, verdicts.reasons(v)) for v in ordered]


def attach(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
           picked: Sequence[dict[str, Any]]) -> list[Observable]:
    """Attach the values the analyst picked ({"type", "value"} each) to an incident, as
    the incident observables API does (every rule and the audit apply)."""
    if not picked or len(picked) > MAX_ATTACH:
        raise ValidationFailed.field("observables", f"pick 1 to {MAX_ATTACH:,} values")
    c = f.Collector()
    made = []
    for n, item in enumerate(picked):
        try:
            made.append(observables.add(uow, actor, incident_id, type=str(item.get("type")),
                                        value=str(item.get("value")), role="ioc"))
        except ValidationFailed as exc:
            for error in exc.errors:
                c.fail(f"observables[{n}].{error.field}", error.message)
    c.raise_if_any()
    return made
