"""Expenses of a round as XLSX and CSV, written row by row from a generator.

Both writers take the plain rows of :func:`grants.services.expenses.iter_expense_rows` (whose
columns and Chinese headers are :data:`~grants.services.expenses.EXPORT_COLUMNS`) and never
hold the whole table: the XLSX goes through openpyxl's write-only mode into a temporary file
(served from disk, then removed), the CSV is a streamed response. An export reads the same
whoever makes it, so rows are read in the source language (:func:`chinese_rows`). Money stays
exact: fen become a ``Decimal`` of yuan in XLSX (a number a spreadsheet adds up) and
``12345.00`` text in CSV. Text a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from grants.domain.i18n import source_language
from grants.domain.money import FEN_PER_YUAN
from grants.services.expenses import EXPORT_COLUMNS
from grants.services.ranking import safe_cell
from grants.web.csv_stream import csv_chunks as stream_csv

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
SHEET_TITLE = "支出明细"
HEADERS: tuple[str, ...] = tuple(header for _key, header in EXPORT_COLUMNS)
MONEY_KEY, MONEY_FEN_KEY, DATE_KEY = "amount", "amount_fen", "spent_on"


def chinese_rows(rows: Iterable[dict]) -> Iterator[dict]:
    """The rows, each read in the source language (labels stay Chinese whoever exports)."""
    iterator = iter(rows)
    while True:
        with source_language():
            row = next(iterator, None)
        if row is None:
            return
        yield row


def _text(value) -> str:
    """A cell as CSV text (None as empty), quoted if a spreadsheet would run it."""
    return "" if value is None else str(safe_cell(str(value)))


def csv_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """The expenses as CSV text chunks with Chinese headers (see grants/web/csv_stream.py)."""
    return stream_csv(HEADERS, ([_text(row.get(key)) for key, _header in EXPORT_COLUMNS]
                                for row in rows))


def _sheet_row(sheet, row: dict) -> list:
    """One XLSX row: the amount as an exact Decimal of yuan and the date as a date (each a
    formatted cell), every other value as it is (text quoted if it would run as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    values = []
    for key, _header in EXPORT_COLUMNS:
        value = row.get(key)
        if key == MONEY_KEY and isinstance(row.get(MONEY_FEN_KEY), int):
            value = WriteOnlyCell(sheet, Decimal(row[MONEY_FEN_KEY]) / FEN_PER_YUAN)
            value.number_format = MONEY_FORMAT
        elif key == DATE_KEY and isinstance(value, str) and len(value) == 10:
            value = WriteOnlyCell(sheet, date.fromisoformat(value))
            value.number_format = DATE_FORMAT
        elif isinstance(value, str):
            value = safe_cell(value)
        values.append(value)
    return values


def write_xlsx(rows: Iterable[dict], target: Path | str) -> int:
    """Write the table to an XLSX file in openpyxl's write-only mode (memory stays flat
    however many rows); returns how many expense rows were written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)
    count = 0
    for row in rows:
        sheet.append(_sheet_row(sheet, row))
        count += 1
    workbook.save(str(target))
    return count


def xlsx_temp_file(rows: Iterable[dict], directory: Path | str | None = None) -> Path:
    """The table written to a new temporary XLSX file (the caller removes it once served)."""
    fd, name = tempfile.mkstemp(prefix="expenses-", suffix=".xlsx", dir=directory)
    os.close(fd)
    try:
        write_xlsx(rows, name)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)
