"""Objection receipt numbers (回执编号): ``YY-000123``, as printed and as people type them back."""

from __future__ import annotations

import re
import unicodedata

PREFIX = "YY-"
_TYPED = re.compile(r"(?:YY)?-?0*(\d{1,9})")


def format_receipt(objection_id: int) -> str:
    """The receipt number of an objection: ``YY-`` and its id in six digits."""
    return f"{PREFIX}{objection_id:06d}"


def parse_receipt(text: str | None) -> int | None:
    """The objection id a typed receipt number names (``yy-123``, ``ＹＹ－０００１２３``,
    ``000123`` all read), or ``None`` when it names none."""
    cleaned = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).upper()
    cleaned = cleaned.replace("—", "-").replace("－", "-")
    match = _TYPED.fullmatch(cleaned)
    if not match or int(match[1]) == 0:
        return None
    return int(match[1])
