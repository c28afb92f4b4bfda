"""Checks shared by the account services; each raises ValidationFailed naming its field."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from rcsc.core.countries import normalise_country
from rcsc.errors import FieldError, ValidationFailed

E = TypeVar("E", bound=StrEnum)
SUPPORTED_LOCALES = ("en", "lt", "uk", "pl")
MIN_PASSWORD_LENGTH = 12


def name(value: str, field: str = "name", max_length: int = 200) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValidationFailed.field(field, "must not be empty")
    if len(cleaned) > max_length:
        raise ValidationFailed.field(field, f"must be at most {max_length} characters")
    return cleaned


def email(value: str, field: str = "email") -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.field(field, f"not a valid e-mail address: {exc}") from exc
    return result.normalized.lower()


def country(value: str, field: str = "country") -> str:
    code = normalise_country(value)
    if code is None:
        raise ValidationFailed.field(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def choice(enum: type[E], value: str, field: str) -> E:
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed.field(field, f"{value!r} is not one of: {allowed}") from None


def choices(
    enum: type[E], values: Iterable[str], field: str, *, min_items: int = 1
) -> frozenset[E]:
    errors: list[FieldError] = []
    result: set[E] = set()
    for index, value in enumerate(values):
        try:
            result.add(choice(enum, value, f"{field}.{index}"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    if len(result) < min_items:
        raise ValidationFailed.field(field, f"give at least {min_items}")
    return frozenset(result)


def timezone(value: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field(field, f"{value!r} is not an IANA time zone") from None
    return value


def locale(value: str, field: str = "locale") -> str:
    if value not in SUPPORTED_LOCALES:
        raise ValidationFailed.field(field, f"must be one of: {', '.join(SUPPORTED_LOCALES)}")
    return value


def password(value: str, field: str = "password") -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > 1024:
        raise ValidationFailed.field(field, "must be at most 1024 characters")
    return value
