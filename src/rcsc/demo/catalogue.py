"""What the demo's incidents are made of: the kinds of incident the region's CERTs report,
the targets, and the campaigns whose indicators several countries see.

Every indicator is harmless by construction: addresses from the documentation ranges
(RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32) and
names under the reserved top-level domains .example and .test (RFC 2606). Hashes are
random. Actor, malware, product and CVE names are public ones, for realism.
"""

from __future__ import annotations

from dataclasses import dataclass

# (phrase, NIS2 sector, subsector)
Target = tuple[str, str | None, str | None]

MINISTRIES: tuple[Target, ...] = (
    ("the Ministry of Foreign Affairs", "public-administration", None),
    ("the Ministry of Defence", "public-administration", None),
    ("the Ministry of Finance", "public-administration", None),
    ("the Ministry of the Interior", "public-administration", None),
    ("municipal administrations", "public-administration", None),
    ("the parliament", "public-administration", None),
)
PORTALS: tuple[Target, ...] = (
    ("the e-government services portal", "public-administration", None),
    ("the tax authority portal", "public-administration", None),
    ("the national railway ticketing site", "transport", "rail"),
    ("the international airport website", "transport", "air"),
    ("a major bank's online banking", "banking", None),
    ("the seaport authority website", "transport", "water"),
    ("the national news agency", "digital-providers", None),
)
OPERATORS: tuple[Target, ...] = (
    ("a regional hospital", "health", None),
    ("a university hospital", "health", None),
    ("an electricity distribution operator", "energy", "electricity"),
    ("a gas transmission operator", "energy", "gas"),
    ("a district heating company", "energy", "district-heating-cooling"),
    ("a drinking water utility", "drinking-water", None),
    ("a logistics company", "postal-courier", None),
    ("a telecom operator", "digital-infrastructure", None),
    ("a managed service provider", "ict-service-management", None),
    ("a defence manufacturer", "manufacturing", "other-transport-equipment"),
    ("a research institute", "research", None),
    ("a chemical plant", "chemicals", None),
)
PRODUCTS = (
    ("Ivanti Connect Secure", "CVE-2024-21887"), ("Fortinet FortiOS SSL-VPN", "CVE-2024-21762"),
    ("Citrix NetScaler", "CVE-2023-4966"), ("Palo Alto PAN-OS GlobalProtect", "CVE-2024-3400"),
    ("Roundcube webmail", "CVE-2023-5631"), ("Cisco IOS XE", "CVE-2023-20198"),
    ("Atlassian Confluence", "CVE-2023-22515"), ("Microsoft Exchange", "CVE-2021-26855"),
)
LURES = ("NATO summit agenda", "salary indexation", "military aid invoice", "visa regulation",
         "energy tariff", "court summons")
LEAKS = ("citizens' personal data", "internal e-mails", "procurement documents",
         "patient records", "staff credentials")


@dataclass(frozen=True)
class Scenario:
    key: str
    rsit_class: str
    rsit_type: str
    titles: tuple[str, ...]  # templates: {target} {product} {cve} {lure} {malware} {leak}
    summary: str
    targets: tuple[Target, ...]
    severities: tuple[str, ...]  # drawn uniformly: repeat a value to weigh it
    indicators: tuple[str, ...]  # observable types this kind of incident yields
    techniques: tuple[str, ...]
    malware: tuple[str, ...] = ()
    weight: int = 10


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "phishing", "fraud", "phishing",
        ("Phishing campaign impersonating {target} targets civil servants",
         "Credential phishing against {target} with a fake webmail login",
         "Spear-phishing with a \"{lure}\" lure against {target}"),
        "E-mails with a link to a credential-harvesting page were sent to staff; several "
        "users entered their passwords before the page was blocked.",
        MINISTRIES, ("medium", "medium", "high"), ("email", "domain", "url", "ipv4"),
        ("T1566.002", "T1078")),
    Scenario(
        "ddos", "availability", "ddos",
        ("DDoS on {target}", "Layer-7 DDoS takes {target} offline for hours",
         "Hacktivist DDoS wave against {target}"),
        "A volumetric and HTTP flood attack made the service unavailable; traffic was "
        "filtered upstream with the ISP's scrubbing service.",
        PORTALS, ("low", "medium", "medium", "high"), ("ipv4", "ipv4", "ipv6"),
        ("T1498", "T1499.002"), weight=14),
    Scenario(
        "ransomware", "malicious-code", "infected-system",
        ("Ransomware at {target}", "{malware} ransomware encrypts file servers of {target}",
         "Ransomware outage at {target}: backups being restored"),
        "File servers and workstations were encrypted and a ransom note left; the "
        "organisation isolated its network and is restoring from offline backups.",
        OPERATORS, ("high", "high", "critical"), ("sha256", "ipv4", "domain"),
        ("T1486", "T1490", "T1078"), ("LockBit", "Akira", "BlackCat"), weight=7),
    Scenario(
        "wiper", "malicious-code", "infected-system",
        ("Wiper malware destroys data at {target}",
         "Destructive {malware} deployment at {target}"),
        "A destructive payload overwrote disks on several servers through a group policy "
        "scheduled task.",
        OPERATORS, ("high", "critical"), ("sha256", "md5", "ipv4"),
        ("T1485", "T1561.002", "T1484.001"), ("CaddyWiper", "AcidPour"), weight=3),
    Scenario(
        "c2", "malicious-code", "c2-server",
        ("Hosts at {target} beaconing to {malware} C2",
         "{malware} command-and-control infrastructure identified"),
        "Network monitoring found hosts contacting a known command-and-control server at "
        "regular intervals.",
        MINISTRIES + OPERATORS, ("medium", "high"), ("ipv4", "domain", "sha256", "url"),
        ("T1071.001", "T1105"), ("Cobalt Strike", "DarkCrystal RAT", "Remcos", "SmokeLoader"),
        weight=9),
    Scenario(
        "loader", "malicious-code", "malware-distribution",
        ("Compromised website distributes {malware} loader",
         "Malicious \"{lure}\" attachments deliver {malware}"),
        "Visitors were redirected to a download of a malicious archive that installs a "
        "loader.",
        PORTALS + MINISTRIES, ("medium", "high"), ("url", "domain", "sha256", "md5"),
        ("T1189", "T1204.002"), ("SmokeLoader", "AgentTesla", "GuLoader")),
    Scenario(
        "spray", "intrusion-attempts", "brute-force",
        ("Password spraying against VPN gateways of {target}",
         "Brute-force attempts on {target} remote access"),
        "Thousands of login attempts with common passwords from a rotating set of "
        "addresses; no successful login confirmed.",
        MINISTRIES + OPERATORS, ("low", "medium"), ("ipv4", "ipv4", "ipv6"),
        ("T1110.003",)),
    Scenario(
        "exploit", "intrusion-attempts", "exploit",
        ("Exploitation attempts of {cve} against {product} at {target}",
         "{product} ({cve}) exploited at {target}"),
        "The edge device was attacked through a published vulnerability; the vendor's "
        "mitigation has been applied and the device's integrity is being checked.",
        MINISTRIES + OPERATORS, ("medium", "high", "critical"), ("cve", "ipv4", "url"),
        ("T1190",), weight=9),
    Scenario(
        "compromise", "intrusions", "system-compromise",
        ("Compromise of the {product} appliance at {target}",
         "Intruder with persistent access on servers of {target}"),
        "Forensics found a web shell and lateral movement from the compromised appliance "
        "into the internal network.",
        MINISTRIES + OPERATORS, ("high", "critical"), ("ipv4", "sha256", "cve", "domain"),
        ("T1190", "T1505.003", "T1021.001"), weight=5),
    Scenario(
        "account", "intrusions", "privileged-account-compromise",
        ("Domain administrator account compromised at {target}",
         "Stolen privileged credentials used at {target}"),
        "A privileged account was used from an unusual address outside working hours; "
        "credentials were reset and sessions revoked.",
        MINISTRIES + OPERATORS, ("high",), ("ipv4", "email"), ("T1078.002",), weight=4),
    Scenario(
        "leak", "information-content-security", "data-leak",
        ("Leak of {leak} from {target} published on a Telegram channel",
         "{leak} of {target} offered for sale on a forum"),
        "Data attributed to the organisation appeared online; its authenticity and the "
        "source of the leak are being assessed.",
        MINISTRIES + OPERATORS, ("medium", "high"), ("url", "domain"), ("T1567",), weight=5),
    Scenario(
        "scan", "information-gathering", "scanner",
        ("Mass scanning of {product} interfaces in national networks",
         "Reconnaissance against {target} exposed services"),
        "Systematic scanning for a recently published vulnerability from a small set of "
        "hosting providers.",
        MINISTRIES + PORTALS, ("low",), ("ipv4", "ipv4", "ipv6", "cve"), ("T1595.002",)),
    Scenario(
        "vulnerable", "vulnerable", "vulnerable-system",
        ("Internet-exposed vulnerable {product} instances at {target}",
         "Unpatched {product} ({cve}) reachable from the internet at {target}"),
        "Notification of vulnerable, internet-facing systems found by the CERT's own "
        "scanning; owners were asked to patch.",
        OPERATORS + MINISTRIES, ("low", "medium"), ("cve", "ipv4"), ("T1190",), weight=6),
    Scenario(
        "masquerade", "fraud", "masquerade",
        ("Fake website impersonating {target}",
         "Fraudulent mobile app impersonating {target} spread by SMS"),
        "A look-alike site collects citizens' payment card data; takedown requested from "
        "the registrar.",
        PORTALS, ("low", "medium"), ("domain", "url", "ipv4"), ("T1583.001",), weight=5),
)

ACTORS = {"phishing": ("Ghostwriter", "APT28", "Gamaredon"),
          "ddos": ("NoName057(16)", "Killnet"),
          "wiper": ("Sandworm",), "compromise": ("APT29", "APT28"),
          "c2": ("Gamaredon", "UAC-0050")}


@dataclass(frozen=True)
class Campaign:
    """Activity seen by several member countries: their reports share these indicators."""

    name: str
    scenarios: frozenset[str]
    actor: str
    indicators: tuple[tuple[str, str], ...]  # (observable type, value)


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("Ghostwriter webmail phishing", frozenset({"phishing"}), "Ghostwriter", (
        ("domain", "mail-gov-verify.example"), ("domain", "poczta-login.example"),
        ("url", "https://mail-gov-verify.example/owa/auth/logon.aspx"),
        ("email", "security-team@mail-gov-verify.example"), ("ipv4", "203.0.113.45"))),
    Campaign("NoName057(16) DDoSia", frozenset({"ddos"}), "NoName057(16)", (
        ("ipv4", "198.51.100.17"), ("ipv4", "198.51.100.88"), ("ipv4", "198.51.100.142"),
        ("ipv6", "2001:db8:5a1:17::20"), ("ipv4", "192.0.2.201"))),
    Campaign("SmokeLoader through compromised sites", frozenset({"loader", "c2"}),
             "UAC-0006", (
                 ("domain", "cdn-update-check.test"), ("ipv4", "192.0.2.66"),
                 ("sha256", "5d1a8f3c9b2e7d4a6f0c1e3b5a7d9f2c4e6b8a0d1f3c5e7a9b2d4f6a8c0e1b3d"),
                 ("url", "http://cdn-update-check.test/dl/invoice.zip"))),
    Campaign("Edge-device exploitation wave", frozenset({"exploit", "compromise", "scan"}),
             "APT29", (
                 ("cve", "CVE-2024-21887"), ("ipv4", "203.0.113.9"), ("ipv4", "203.0.113.77"),
                 ("domain", "vpn-telemetry.example"))),
    Campaign("Ransomware affiliate on hospitals", frozenset({"ransomware"}), "LockBit", (
        ("sha256", "9f2b4d6e8a0c1e3f5b7d9a2c4e6f8b0d2a4c6e8f0b2d4a6c8e0f2b4d6a8c0e2f"),
        ("ipv4", "198.51.100.203"), ("domain", "files-sync-backup.example"))),
    Campaign("Gamaredon remote templates", frozenset({"c2", "phishing"}), "Gamaredon", (
        ("domain", "doc-templates-host.test"), ("ipv4", "192.0.2.14"),
        ("ipv6", "2001:db8:c0:ffee::14"))),
)
