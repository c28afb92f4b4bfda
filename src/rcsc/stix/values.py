"""Reading the properties of a STIX extension someone sent us, each bad value named by its
full path (`extensions.<id>.impact.affected_users`) so an import can say what it rejected."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from rcsc.errors import ValidationFailed
from rcsc.stix.common import StixObject, parse_timestamp

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ExtensionReader:
    values: dict[str, Any]
    path: str
    top: StixObject = field(default_factory=dict)

    @classmethod
    def of(cls, obj: StixObject, extension_id: str) -> ExtensionReader:
        path = f"extensions.{extension_id}"
        extensions = obj.get("extensions")
        found = extensions.get(extension_id) if isinstance(extensions, dict) else None
        if not isinstance(found, dict):
            raise ValidationFailed.field(path, "the extension is missing")
        return cls(found, path, obj)

    def _fail(self, key: str, message: str) -> ValidationFailed:
        return ValidationFailed.field(f"{self.path}.{key}", message)

    def nested(self, key: str, values: object) -> ExtensionReader:
        if not isinstance(values, dict):
            raise self._fail(key, "must be an object")
        return ExtensionReader(values, f"{self.path}.{key}", self.top)

    def object(self, key: str) -> dict[str, Any]:
        value = self.values.get(key, {})
        if not isinstance(value, dict):
            raise self._fail(key, "must be an object")
        return value

    def objects(self, key: str) -> list[dict[str, Any]]:
        value = self.values.get(key, [])
        if not isinstance(value, list):
            raise self._fail(key, "must be a list of objects")
        return value

    def top_string(self, key: str) -> str:
        value = self.top.get(key)
        if not isinstance(value, str) or not value:
            raise ValidationFailed.field(key, "must be a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "must be a string")
        return value or None

    def string(self, key: str) -> str:
        value = self.optional_string(key)
        if value is None:
            raise self._fail(key, "is required")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, "must be a list of strings")
        return value

    def enum(self, key: str, kind: type[E]) -> E:
        value = self.string(key)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self._fail(key, f"{value!r} is not one of {allowed}") from None

    def optional_uuid(self, key: str) -> uuid.UUID | None:
        value = self.optional_string(key)
        if value is None:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            raise self._fail(key, f"{value!r} is not a UUID") from None

    def optional_time(self, key: str) -> datetime | None:
        value = self.values.get(key)
        return None if value is None else parse_timestamp(value, f"{self.path}.{key}")

    def optional_int(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise self._fail(key, "must be a whole number, 0 or more")
        return value

    def boolean(self, key: str) -> bool:
        value = self.values.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(key, "must be true or false")
        return value
