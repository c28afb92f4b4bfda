"""ISO 3166-1 alpha-2 country codes, checked against pycountry's copy of the standard."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=512)
def country_name(code: str) -> str | None:
    """The country's common name, or None when `code` is not an alpha-2 code."""
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def normalise_country(code: str) -> str | None:
    """Upper-case alpha-2 code, or None when it is not one."""
    cleaned = code.strip().upper()
    return cleaned if country_name(cleaned) else None
