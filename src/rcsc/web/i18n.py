"""Translations (Babel catalogues, compiled in memory at start-up) and local time display.

Every user-facing string goes through `_()` in Python or `{{ _() }}` in templates. The
catalogues live in `rcsc/locale/<lang>/LC_MESSAGES/messages.po`; `make i18n` refreshes
them from the sources. Times are stored in UTC and shown in the viewer's time zone.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LOCALE = "en"

Catalogues = dict[str, NullTranslations]

_NO_TRANSLATION = NullTranslations()
_translations: ContextVar[NullTranslations] = ContextVar("rcsc_translations")
_locale: ContextVar[str] = ContextVar("rcsc_locale", default=DEFAULT_LOCALE)
_timezone: ContextVar[str] = ContextVar("rcsc_timezone", default="UTC")


def load_catalogues(locale_dir: Path = LOCALE_DIR) -> Catalogues:
    catalogues: Catalogues = {}
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
        lang = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        catalogues[lang] = Translations(fp=buffer)
    catalogues.setdefault(DEFAULT_LOCALE, NullTranslations())
    return catalogues


def activate(catalogues: Catalogues, locale: str, timezone: str) -> None:
    """Set the language and time zone for the rest of this request."""
    lang = locale if locale in catalogues else DEFAULT_LOCALE
    _translations.set(catalogues[lang])
    _locale.set(lang)
    _timezone.set(timezone)


def gettext(message: str) -> str:
    return _translations.get(_NO_TRANSLATION).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.get(_NO_TRANSLATION).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet: for text that is
    chosen before the viewer's language is known and translated when the page renders."""
    return message


def current_locale() -> str:
    return _locale.get()


def local_time(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC time shown in the viewer's zone and language, with the zone's abbreviation."""
    if value is None:
        return "—"
    zone = ZoneInfo(_timezone.get())
    local = value.astimezone(zone)
    text = format_datetime(local, format=fmt, tzinfo=zone, locale=_locale.get())
    return f"{text} {local.tzname() or ''}".rstrip()
