"""The payment ledger of a round as XLSX and CSV, written row by row from a generator.

Both writers take the plain rows of :func:`grants.services.payments.iter_payment_rows` and never
hold the whole ledger: the XLSX goes through openpyxl's write-only mode into a temporary file
(served from disk, then removed), the CSV is a streamed response. Headers are Chinese and a
ledger reads the same whoever exports it, so states are written in Chinese too. Money stays
exact: fen become a ``Decimal`` of yuan in XLSX (a number Excel can add up) and ``12345.00``
text in CSV; no float is ever made.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from grants.domain.clock import BEIJING, aware
from grants.domain.lifecycles import PAYMENT
from grants.domain.money import FEN_PER_YUAN, fen_to_plain
from grants.domain.tranches import GATE_LABELS
from grants.web.csv_stream import csv_chunks as stream_csv

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
MONEY_FORMAT = "#,##0.00"
SHEET_TITLE = "付款台账"


@dataclass(frozen=True)
class Column:
    """One column of the ledger: its key in a row, its Chinese header and how values read."""

    key: str
    header: str
    kind: str = "text"
    """``text``, ``money`` (fen), ``when`` (stored UTC time, written in Beijing time),
    ``date``, ``payment_state``, ``tranche_state`` or ``gate``."""


COLUMNS: tuple[Column, ...] = (
    Column("payment_id", "付款编号", "int"),
    Column("agreement_number", "协议编号"),
    Column("project_title", "项目名称"),
    Column("tranche_sequence", "批次", "int"),
    Column("gate", "拨付条件", "gate"),
    Column("amount_fen", "付款金额（元）", "money"),
    Column("status", "付款状态", "payment_state"),
    Column("payee_name", "收款单位"),
    Column("payee_account", "收款账号"),
    Column("requested_by", "申请人"),
    Column("requested_at", "申请时间", "when"),
    Column("approved_by", "审批人"),
    Column("approved_at", "审批时间", "when"),
    Column("approval_digest", "审批哈希"),
    Column("paid_by", "付款登记人"),
    Column("paid_at", "登记时间", "when"),
    Column("bank_reference", "银行流水号"),
    Column("value_date", "起息日", "date"),
    Column("paying_account", "付款账号"),
    Column("reason", "说明"),
)
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)


def _get(row, key: str):
    """A value of a row, whether the row is a mapping or an object with attributes."""
    if isinstance(row, dict):
        return row.get(key)
    return getattr(row, key, None)


def _when(value) -> str:
    """A stored UTC time as Beijing wall-clock text (``2026-07-01 09:30``)."""
    if isinstance(value, datetime):
        return aware(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _label(kind: str, value) -> str:
    """A state or gate key in Chinese (exports read the same for everyone)."""
    if value is None:
        return ""
    if kind == "payment_state":
        return PAYMENT.state_label(value)
    return GATE_LABELS.get(value, value)


def text_value(column: Column, value) -> str:
    """A cell as CSV text: money as ``12345.00``, times in Beijing time, states in Chinese."""
    if value is None:
        return ""
    if column.kind == "money":
        return fen_to_plain(value)
    if column.kind == "when":
        return _when(value)
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if column.kind in ("payment_state", "gate"):
        return _label(column.kind, value)
    return str(value)


def _sheet_value(column: Column, value):
    """A cell as XLSX holds it: money as an exact Decimal of yuan, dates as dates."""
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(value) / FEN_PER_YUAN
    if column.kind == "date" and isinstance(value, date) or column.kind == "int":
        return value
    return text_value(column, value)


def csv_chunks(rows: Iterable) -> Iterator[str]:
    """The ledger as CSV text chunks with Chinese headers (see grants/web/csv_stream.py)."""
    return stream_csv(HEADERS, ([text_value(column, _get(row, column.key)) for column in COLUMNS]
                                for row in rows))


def write_xlsx(rows: Iterable, target: Path | str, title: str = SHEET_TITLE) -> int:
    """Write the ledger to an XLSX file with openpyxl's write-only mode (constant memory);
    returns how many payment rows were written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)
    count = 0
    for row in rows:
        cells = []
        for column in COLUMNS:
            cell = WriteOnlyCell(sheet, _sheet_value(column, _get(row, column.key)))
            if column.kind == "money":
                cell.number_format = MONEY_FORMAT
            elif column.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(str(target))
    return count


def write_csv(rows: Iterable, target: Path | str) -> int:
    """Write the ledger to a CSV file; returns how many payment rows were written."""
    count = -1
    with open(target, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(rows):
            out.write(chunk)
            count += 1
    return count


def xlsx_temp_file(rows: Iterable, directory: Path | str | None = None) -> Path:
    """The ledger written to a new temporary XLSX file (the caller removes it when served)."""
    fd, name = tempfile.mkstemp(prefix="payments-", suffix=".xlsx", dir=directory)
    os.close(fd)
    try:
        write_xlsx(rows, name)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


WRITERS: dict[str, Callable[[Iterable, Path | str], int]] = {"xlsx": write_xlsx, "csv": write_csv}
"""The export formats by name, for the CLI."""
