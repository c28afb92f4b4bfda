"""Observable types and their normal forms, so the same value always looks the same.

Defanged input (`hxxp://evil[.]lt`, `1.2.3[.]4`, `user[at]mail[.]ua`) is refanged first.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

import idna

from rcsc.errors import ValidationFailed


class ObservableType(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"
    URL = "url"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"
    CVE = "cve"
    ASN = "asn"
    FILENAME = "filename"
    USER_AGENT = "user-agent"


HASH_LENGTHS = {
    ObservableType.MD5: 32, ObservableType.SHA1: 40, ObservableType.SHA256: 64,
    ObservableType.SHA512: 128,
}
_REFANG = [
    (re.compile(r"^hxxp", re.I), "http"), (re.compile(r"^fxp", re.I), "ftp"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.I), "."),
    (re.compile(r"\[:\]"), ":"), (re.compile(r"\[/\]"), "/"),
    (re.compile(r"\[@\]|\[at\]|\(at\)", re.I), "@"),
]
# CVE JSON 5 schema: four ASCII digits, or five or more without a leading zero.
CVE_ID = r"CVE-([0-9]{4})-([0-9]{4}|[1-9][0-9]{4,18})"
_CVE = re.compile(rf"^{CVE_ID}$", re.I)
_HEX = re.compile(r"^[0-9a-f]+$")
_ASN = re.compile(r"^(?:AS)?(\d{1,10})$", re.I)
MAX_VALUE_LENGTH = 2048


def refang(value: str) -> str:
    text = value.strip()
    # Each pattern needs a leading hxxp/fxp or a bracket: without them, none can match (most
    # values asked or indexed are not defanged; skipping six regex passes halves detect).
    if "[" not in text and "(" not in text and "{" not in text and \
            not text[:4].lower().startswith(("hxxp", "fxp")):
        return text
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed.field(field, message)


def _ip(value: str, version: int, field: str) -> str:
    if "/" not in value and "%" not in value:  # one address: parsed as one, a third faster
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            pass  # refused below, with the reason the network parser gives
        else:
            if address.version == version:
                return str(address)
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise _fail(f"{value!r} is not an IPv{version} address or CIDR range ({exc})", field) \
            from None
    if network.version != version:
        raise _fail(f"{value!r} is an IPv{network.version} value, not IPv{version}", field)
    if network.num_addresses == 1:
        return str(network.network_address)
    return network.with_prefixlen


# An ASCII name of letters, digits and inner hyphens, no label starting "xn--" or with
# "--" in positions 3-4: exactly what IDNA (UTS 46) leaves unchanged but for case, so it
# skips the IDNA codec (about 20 us a name). tests/core test this against idna as oracle.
_PLAIN_LABEL = r"(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_DOMAIN = re.compile(rf"^{_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})+$")


def plain_domain(value: str) -> str | None:
    """The normal form of a name the IDNA codec would leave as it is but for case (see
    above), without the codec; None for any other text."""
    text = value.strip().rstrip(".").lower()
    return text if len(text) <= 253 and _PLAIN_DOMAIN.match(text) else None


def _domain(value: str, field: str) -> str:
    plain = plain_domain(value)
    if plain is not None:
        return plain
    text = value.strip().rstrip(".").lower()
    try:
        ascii_form = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise _fail(f"{value!r} is not a valid domain name ({exc})", field) from None
    if "." not in ascii_form or len(ascii_form) > 253:
        raise _fail(f"{value!r} is not a fully qualified domain name", field)
    return ascii_form


def _url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https", "ftp", "ftps", "ws", "wss") or \
            not parts.hostname:
        raise _fail(f"{value!r} is not an absolute URL with a host", field)
    host = parts.hostname
    try:
        host = _ip(host.strip("[]"), ipaddress.ip_address(host.strip("[]")).version, field)
        host = f"[{host}]" if ":" in host else host
    except ValueError:
        host = _domain(host, field)
    netloc = host + (f":{parts.port}" if parts.port else "")
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _email(value: str, field: str) -> str:
    local, sep, domain = value.strip().rpartition("@")
    if not sep or not local or len(local) > 64:
        raise _fail(f"{value!r} is not an e-mail address", field)
    return f"{local.lower()}@{_domain(domain, field)}"


def _hash(kind: ObservableType, value: str, field: str) -> str:
    text = value.strip().lower()
    if len(text) != HASH_LENGTHS[kind] or not _HEX.match(text):
        raise _fail(f"{kind.value} must be {HASH_LENGTHS[kind]} hexadecimal characters", field)
    return text


def _cve(value: str, field: str) -> str:
    match = _CVE.match(value.strip())
    if not match:
        raise _fail(f"{value!r} is not a CVE id like CVE-2024-3094", field)
    return f"CVE-{match.group(1)}-{match.group(2)}"


def _asn(value: str, field: str) -> str:
    match = _ASN.match(value.strip())
    if not match or int(match.group(1)) > 4_294_967_295:
        raise _fail(f"{value!r} is not an AS number like AS15169", field)
    return f"AS{int(match.group(1))}"


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text or "\x00" in text or len(text) > limit:
        raise _fail(f"must be 1 to {limit} characters without NUL", field)
    return text


def normalise(kind: ObservableType, value: str, field: str = "value") -> str:
    """The canonical form of `value`, or ValidationFailed naming `field`."""
    if len(value) > MAX_VALUE_LENGTH:
        raise _fail(f"must be at most {MAX_VALUE_LENGTH} characters", field)
    text = refang(value)
    match kind:
        case ObservableType.IPV4:
            return _ip(text, 4, field)
        case ObservableType.IPV6:
            return _ip(text, 6, field)
        case ObservableType.DOMAIN:
            return _domain(text, field)
        case ObservableType.URL:
            return _url(text, field)
        case ObservableType.EMAIL:
            return _email(text, field)
        case ObservableType.CVE:
            return _cve(text, field)
        case ObservableType.ASN:
            return _asn(text, field)
        case ObservableType.FILENAME:
            return _text(value, field, 255)
        case ObservableType.USER_AGENT:
            return _text(value, field, 1024)
    return _hash(kind, text, field)
