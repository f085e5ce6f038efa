"""Streaming CSV for office spreadsheets: a BOM so Excel reads the Chinese as UTF-8, CRLF line
ends, one chunk per line so a long export never sits in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence


def csv_chunks(header: Sequence[str], lines: Iterable[Iterable]) -> Iterator[str]:
    """The header line (after a BOM) and then each line of values, as CSV text chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for values in lines:
        yield line(values)
