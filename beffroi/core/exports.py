"""CSV exports, written one way for every app: what a French spreadsheet opens as-is, with no formula inside.

- UTF-8 with a byte-order mark (Excel needs it to read accents), `;` between cells, CRLF between rows
  (RFC 4180), the decimal comma for numbers — what LibreOffice and Excel expect in a French locale.
- Every text cell is guarded against spreadsheet formulas (OWASP "CSV injection"): a cell that starts with
  `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with an apostrophe, so it is shown as typed and never
  run. Numbers are written as numbers (a negative temperature stays a number); only text is guarded.
- A moment is written in the instance's time zone (the communes' local time), to the second, as
  `2026-12-04 15:58:13`: what a spreadsheet reads as a date and time, and what the pages show. A day is
  `2026-12-04`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CellValue = str | int | float | Decimal | bool | dt.date | None


def spreadsheet_safe(text: str) -> str:
    """The text of a cell, made inert for spreadsheets: a leading formula character is escaped with `'`."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_cell(value: CellValue) -> str:
    """One cell as written in Beffroi's CSV files (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return (format(value, "f") if isinstance(value, Decimal) else str(value)).replace(".", ",")
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.replace(microsecond=0, tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return spreadsheet_safe(str(value))


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> Iterable[list[str]]:
    yield [spreadsheet_safe(str(name)) for name in header]
    for row in rows:
        yield [csv_cell(value) for value in row]


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[CellValue]]
) -> HttpResponse:
    """An attachment `filename` with `header` then `rows`, written the one way described above."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows(header, rows))
    return response
