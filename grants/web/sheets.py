"""Office spreadsheets (CSV and XLSX) from plain rows, with Chinese headers by default.

A sheet is a tuple of :class:`Column` (the key of a value in a row, its header, how it reads)
and an iterable of rows (mappings). The CSV is streamed line by line (see
:mod:`grants.web.csv_stream`); the XLSX is written with openpyxl's write-only mode into a
temporary file that is served and removed. Money stays exact: fen become a ``Decimal`` of
yuan in XLSX (a number Excel adds up) and ``12345.00`` text in CSV, never a float; times are
Beijing time; text that a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import Response, send_file, stream_with_context

from grants.domain.clock import BEIJING, aware
from grants.domain.i18n import source_language, tr
from grants.domain.money import FEN_PER_YUAN, fen_to_plain
from grants.services.ranking import safe_cell
from grants.web.csv_stream import csv_chunks

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One column: the row key, the header (an ``N_()`` constant) and the kind of value:
    ``text``, ``int``, ``score`` (a Decimal), ``money`` (fen) or ``when`` (stored UTC)."""

    key: str
    header: str
    kind: str = "text"


def headers(columns: Sequence[Column]) -> list[str]:
    """The header line: Chinese, whoever exports (a sheet reads the same for every office)."""
    with source_language():
        return [tr(column.header) for column in columns]


def _when(value) -> str:
    """A stored UTC time (datetime or ISO text) as Beijing wall-clock text."""
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value.removesuffix("Z"))
    if isinstance(value, datetime):
        return aware(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    return ""


def text_value(column: Column, value) -> str:
    """A cell as CSV text."""
    if value is None:
        return ""
    if column.kind == "money":
        return fen_to_plain(value)
    if column.kind == "when":
        return _when(value)
    return str(safe_cell(value))


def sheet_value(column: Column, value):
    """A cell as XLSX holds it: numbers as numbers, money as exact yuan."""
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(value) / FEN_PER_YUAN
    if column.kind in ("int", "score"):
        return value
    return text_value(column, value)


def csv_response(columns: Sequence[Column], rows: Iterable[Mapping], filename: str) -> Response:
    """The rows as a CSV download (BOM, CRLF, Chinese headers): streamed line by line when
    they come from a generator, in one piece when they are already a list."""
    lines = ([text_value(c, row.get(c.key)) for c in columns] for row in rows)
    chunks = csv_chunks(headers(columns), lines)
    body = "".join(chunks) if isinstance(rows, list) else stream_with_context(chunks)
    return Response(body, mimetype="text/csv", content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def write_xlsx(columns: Sequence[Column], rows: Iterable[Mapping], target: str,
               title: str) -> int:
    """Write the rows to an XLSX file in constant memory; returns how many were written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "B2"
    sheet.append(headers(columns))
    count = 0
    for row in rows:
        cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, sheet_value(column, row.get(column.key)))
            if column.kind == "money":
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
        count += 1
    book.save(target)
    return count


def xlsx_response(columns: Sequence[Column], rows: Iterable[Mapping], filename: str,
                  title: str) -> Response:
    """The rows as an XLSX download, written to a temporary file and streamed from it."""
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(fd)
    try:
        with source_language():
            write_xlsx(columns, rows, name, tr(title))
        handle = open(name, "rb")  # noqa: SIM115 - closed by the response once sent
    finally:
        os.unlink(name)
    return send_file(handle, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)


def download(fmt: str, columns: Sequence[Column], rows: Iterable[Mapping], stem: str,
             title: str) -> Response | None:
    """The CSV or XLSX download named ``stem.fmt``, or ``None`` for any other format."""
    if fmt == "csv":
        return csv_response(columns, rows, f"{stem}.csv")
    if fmt == "xlsx":
        return xlsx_response(columns, rows, f"{stem}.xlsx", title)
    return None
