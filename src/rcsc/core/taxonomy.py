"""Reference taxonomies, kept as data with their sources (CONVENTIONS §7).

RSIT — ENISA Reference Security Incident Taxonomy, version 1003 (Reference Security Incident
Taxonomy Working Group, github.com/enisaeu/Reference-Security-Incident-Taxonomy-Task-Force,
working copy 1003). Classes and types are the machine-readable values of that table.

NIS2 — Directive (EU) 2022/2555, Annex I ("sectors of high criticality") and Annex II
("other critical sectors"), with the subsectors the annexes list.
"""

from __future__ import annotations

from dataclasses import dataclass

RSIT_VERSION = "1003"
RSIT_SOURCE = (
    "https://github.com/enisaeu/Reference-Security-Incident-Taxonomy-Task-Force/"
    "blob/master/working_copy/humanv1.md"
)

RSIT: dict[str, tuple[str, ...]] = {
    "abusive-content": ("spam", "harmful-speech", "violence"),
    "malicious-code": (
        "infected-system", "c2-server", "malware-distribution", "malware-configuration",
    ),
    "information-gathering": ("scanner", "sniffing", "social-engineering"),
    "intrusion-attempts": ("ids-alert", "brute-force", "exploit"),
    "intrusions": (
        "privileged-account-compromise", "unprivileged-account-compromise",
        "application-compromise", "system-compromise", "burglary",
    ),
    "availability": ("dos", "ddos", "misconfiguration", "sabotage", "outage"),
    "information-content-security": (
        "unauthorised-information-access", "unauthorised-information-modification",
        "data-loss", "data-leak",
    ),
    "fraud": ("unauthorised-use-of-resources", "copyright", "masquerade", "phishing"),
    "vulnerable": (
        "weak-crypto", "ddos-amplifier", "potentially-unwanted-accessible",
        "information-disclosure", "vulnerable-system",
    ),
    "other": ("other", "undetermined"),
    "test": ("test",),
}


def rsit_valid(rsit_class: str, rsit_type: str) -> bool:
    return rsit_type in RSIT.get(rsit_class, ())


NIS2_SOURCE = "https://eur-lex.europa.eu/eli/dir/2022/2555/oj (Annexes I and II)"


@dataclass(frozen=True)
class Sector:
    key: str
    name: str
    annex: str  # "I" (high criticality) or "II" (other critical)
    subsectors: tuple[tuple[str, str], ...] = ()


NIS2_SECTORS: tuple[Sector, ...] = (
    Sector("energy", "Energy", "I", (
        ("electricity", "Electricity"),
        ("district-heating-cooling", "District heating and cooling"),
        ("oil", "Oil"), ("gas", "Gas"), ("hydrogen", "Hydrogen"),
    )),
    Sector("transport", "Transport", "I", (
        ("air", "Air"), ("rail", "Rail"), ("water", "Water"), ("road", "Road"),
    )),
    Sector("banking", "Banking", "I"),
    Sector("financial-market-infrastructures", "Financial market infrastructures", "I"),
    Sector("health", "Health", "I"),
    Sector("drinking-water", "Drinking water", "I"),
    Sector("waste-water", "Waste water", "I"),
    Sector("digital-infrastructure", "Digital infrastructure", "I"),
    Sector("ict-service-management", "ICT service management (business-to-business)", "I"),
    Sector("public-administration", "Public administration", "I"),
    Sector("space", "Space", "I"),
    Sector("postal-courier", "Postal and courier services", "II"),
    Sector("waste-management", "Waste management", "II"),
    Sector("chemicals", "Manufacture, production and distribution of chemicals", "II"),
    Sector("food", "Production, processing and distribution of food", "II"),
    Sector("manufacturing", "Manufacturing", "II", (
        ("medical-devices", "Medical devices and in vitro diagnostic medical devices"),
        ("computer-electronic-optical", "Computer, electronic and optical products"),
        ("electrical-equipment", "Electrical equipment"),
        ("machinery", "Machinery and equipment n.e.c."),
        ("motor-vehicles", "Motor vehicles, trailers and semi-trailers"),
        ("other-transport-equipment", "Other transport equipment"),
    )),
    Sector("digital-providers", "Digital providers", "II"),
    Sector("research", "Research", "II"),
)
SECTORS_BY_KEY = {s.key: s for s in NIS2_SECTORS}


def sector_valid(sector: str, subsector: str | None) -> bool:
    found = SECTORS_BY_KEY.get(sector)
    if found is None:
        return False
    if not subsector:
        return True
    return subsector in {key for key, _ in found.subsectors}
