"""The MSEL as an Excel workbook (openpyxl): the planners' own spreadsheet, read and written
with the same columns and checks as the CSV (`msel.COLUMNS`, `msel.parse_rows`).

Every cell is written as text, so nothing is reinterpreted on the way back: a title that
starts with "=" stays a title (not a formula), "007" stays "007", an offset stays an offset.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterable

from rcsc.core.exercises import Inject
from rcsc.errors import ValidationFailed
from rcsc.exercises.msel import COLUMNS, cells, parse_rows

SHEET = "MSEL"


def write_xlsx(injects: Iterable[Inject], marking: str = "") -> bytes:
    """`marking` (the exercise's TLP label) goes in every printed page's header and footer,
    outside the cells, so the round trip is unchanged."""
    from openpyxl import Workbook  # a quarter second: imported when a workbook is made
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    if marking:
        sheet.oddHeader.center.text = marking
        sheet.oddFooter.center.text = marking
    sheet.append(list(COLUMNS))
    for row, inject in enumerate(injects, start=2):
        for col, name in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=row, column=col)
            cell.value = cells(inject)[name]
            cell.data_type = TYPE_STRING  # never a formula, number or date
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_xlsx(exercise_id: uuid.UUID, data: bytes) -> list[Inject]:
    """Injects from the first sheet; a file that is not a workbook is one clear error."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationFailed.field("file", f"not an Excel (.xlsx) workbook: {exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValidationFailed.field("rows.1", "the sheet is empty: give a header row")
        return parse_rows(exercise_id, [str(h or "") for h in header],
                          ([_text(v) for v in row] for row in rows))
    finally:
        book.close()


def _text(value: object) -> str:
    """Cells typed by hand in Excel may come back as numbers: 3.0 is the number 3."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
