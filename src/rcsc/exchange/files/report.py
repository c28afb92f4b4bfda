"""What an import did, file by file: the objects it created, updated or found unchanged,
and every object or row it rejected with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rcsc.core.exchange import TaxiiStatus
from rcsc.errors import FieldError

LISTED = 1000  # ids listed per outcome in a JSON report; the counts are always exact
_OBJECT_INDEX = "objects."


@dataclass(frozen=True)
class Rejection:
    """`where`: an object id, `row N` of a CSV file, or the path of a bad MISP field."""

    where: str
    reason: str

    @property
    def text(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class FileReport:
    name: str
    format: str
    collection: str
    atomic: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def written(self) -> bool:
        """Something was stored (never true of a file rejected as a whole)."""
        return bool(self.created or self.updated)

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": len(self.rejected)}

    def add_status(self, status: TaxiiStatus) -> None:
        """Sort the successes by what storing them did; failures are rejections."""
        lists = {"created": self.created, "updated": self.updated,
                 "unchanged": self.unchanged}
        for success in status.successes:
            lists.get(success.outcome, self.unchanged).append(success.id)
        self.rejected += [Rejection(f.id, f.message) for f in status.failures]

    def reject(self, errors: list[FieldError], objects: list[Any]) -> None:
        """A file refused as a whole: nothing of it is stored. An error about `objects.N`
        (from the TAXII write path) is named by that object's id."""
        self.created, self.updated, self.unchanged = [], [], []
        self.rejected = [Rejection(_where(e.field, objects), e.message) for e in errors]

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name, "format": self.format, "collection": self.collection,
            "atomic": self.atomic, "ok": self.ok, "written": self.written,
            "counts": self.counts(),
            "created": self.created[:LISTED], "updated": self.updated[:LISTED],
            "unchanged": self.unchanged[:LISTED],
            "rejected": [{"where": r.where, "reason": r.reason} for r in self.rejected],
        }


def _where(name: str, objects: list[Any]) -> str:
    if not name.startswith(_OBJECT_INDEX):
        return name
    try:
        obj = objects[int(name.removeprefix(_OBJECT_INDEX))]
    except (ValueError, IndexError):
        return name
    ident = obj.get("id") if isinstance(obj, dict) else None
    return ident if isinstance(ident, str) and ident else name


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def totals(self) -> dict[str, int]:
        total = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
        for one in self.files:
            for key, value in one.counts().items():
                total[key] += value
        return total

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "totals": self.totals(),
                "files": [f.as_json() for f in self.files]}
