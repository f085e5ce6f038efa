"""A beneficiary list file as rows of cells: XLSX through openpyxl (read-only, values only) or
CSV in UTF-8 (with or without the BOM Excel writes) or GB18030 (what Excel saves as "CSV" on
a Chinese Windows). File-level refusals name the limit; row checks are the domain's
(:func:`grants.domain.beneficiaries.parse_table`).

An uploaded workbook is untrusted XML: openpyxl parses it through ``defusedxml`` (a
dependency for that reason), which refuses entity expansion and external entities.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

from grants.domain.beneficiaries import MAX_FILE_BYTES, MAX_ROWS
from grants.domain.errors import Refusal
from grants.domain.i18n import msg

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_SCANNED_ROWS = MAX_ROWS * 10
"""Rows read from a file at most, blank ones included (a sheet formatted far down)."""


def _size_text(size: int) -> str:
    """A file size as people read it (``2.4 MB``, ``830 KB``)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def check_file(data: bytes) -> None:
    """Refuse an empty file, one over :data:`MAX_FILE_BYTES`, or an old .xls workbook."""
    if not data:
        raise Refusal(msg("请选择名单文件（XLSX 或 CSV）"))
    if len(data) > MAX_FILE_BYTES:
        raise Refusal(msg("名单文件不能超过 {limit}（本文件 {size}）：请删去无关的工作表或列后重新上传",
                          limit=_size_text(MAX_FILE_BYTES), size=_size_text(len(data))),
                      status=413)
    if data.startswith(OLE_MAGIC):
        raise Refusal(msg("这是旧版 Excel（.xls）文件：请在 Excel 中“另存为”.xlsx 或 .csv 后上传"))


def _cell(value: object) -> object:
    """A spreadsheet value as text the domain reads: whole numbers without ``.0`` (a phone
    typed as a number), dates as ISO text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _limited(rows) -> Iterator[tuple]:
    """At most :data:`MAX_SCANNED_ROWS` rows, refusing a file that has more."""
    for count, row in enumerate(rows, start=1):
        if count > MAX_SCANNED_ROWS:
            raise Refusal(msg("名单最多 {limit} 行：这个文件的行数远超上限，请只保留受益人名单",
                              limit=MAX_ROWS))
        yield row


def _xlsx_rows(data: bytes) -> list[tuple]:
    """The first worksheet's rows as values."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [tuple(_cell(value) for value in row)
                    for row in _limited(sheet.iter_rows(values_only=True))]
        finally:
            workbook.close()
    except Refusal:
        raise
    except Exception as error:  # any damage in an uploaded workbook is the uploader's to fix
        raise Refusal(msg("无法读取这个 XLSX 文件：请用 Excel 或 WPS 打开后重新保存为 .xlsx，"
                          "或另存为 .csv 后上传")) from error


def _decoded(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refusal(msg("无法识别 CSV 文件的编码：请另存为“CSV UTF-8”后上传"))


def _csv_rows(data: bytes) -> list[list[str]]:
    """A CSV's rows; a tab-separated first line is read with tabs."""
    text = _decoded(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return list(_limited(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as error:
        raise Refusal(msg("CSV 文件格式有误，无法读取：请用表格软件重新导出")) from error


def read_table(data: bytes) -> list:
    """The rows of a list file (XLSX or CSV, recognised by content), file limits checked."""
    check_file(data)
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data)
    return _csv_rows(data)
