"""What every value typed into the platform must be before any page reads it.

One set of rules for hostile or clumsy input, applied at the edge (see
:mod:`grants.web.guard`) and by the domain where it stores text:

* **Control characters** (NUL, the other C0 codes bar tab and line breaks, DEL and the C1
  codes) are refused: nobody types them, PostgreSQL cannot store NUL in text or JSON, and
  they hide or break what a page shows.
* **Invisible characters** (zero-width spaces, the byte-order mark, bidirectional overrides,
  soft hyphens) are stripped, since a reader cannot see them; text left blank by that
  (only invisible characters and spaces) is empty, so it fails a "required" check.
* **Numbers** longer than :data:`MAX_NUMBER_DIGITS` digits are refused before anything converts
  them (Python refuses to convert 4,300 digits and more, and no amount, count or id the
  platform holds needs more than 20).
* **Row ids** are whole numbers a database integer column can hold: 1 to 2³¹−1.
* **Dates** lie between :data:`DATE_MIN` and :data:`DATE_MAX`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from grants.domain.i18n import msg

DB_INT_MAX = 2**31 - 1
"""The largest value a database integer column holds."""
MAX_NUMBER_DIGITS = 40
"""The most digits a number typed anywhere may have (amounts need 15, ids 10)."""
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
"""The range of dates the platform accepts: grant rounds, activities, payments, deadlines."""

_ALLOWED_CONTROLS = frozenset("\t\n\r")
_KEPT_FORMAT = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners are kept inside text: they shape emoji and some scripts."""
_NUMBER = re.compile(r"[\s+\-¥￥]*[\d,，.。\s]+元?", re.UNICODE)


def control_character(text: str) -> str | None:
    """The first control character of ``text`` that is refused (shown as ``U+0000``), or None."""
    for char in text:
        if _is_refused_control(char):
            return f"U+{ord(char):04X}"
    return None


def _is_refused_control(char: str) -> bool:
    """True for a C0 code other than tab/CR/LF, DEL or a C1 code."""
    return unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS


def _invisible(char: str) -> bool:
    """True for a format character a reader cannot see (zero-width space, BOM, bidi marks) or
    a soft hyphen."""
    return unicodedata.category(char) == "Cf" and char not in _KEPT_FORMAT


def strip_invisible(text: str) -> str:
    """``text`` without invisible characters; empty when nothing visible is left."""
    if text.isascii():
        return text
    kept = "".join(char for char in text if not _invisible(char))
    visible = "".join(char for char in kept if char not in _KEPT_FORMAT)
    return kept if visible.strip() else ""


def is_blank(text: str | None) -> bool:
    """True when ``text`` has nothing a reader can see."""
    return not text or not strip_invisible(text).strip()


def too_many_digits(text: str) -> bool:
    """True when ``text`` is a number (digits of any script, separators, a sign, ¥/元) with
    more than :data:`MAX_NUMBER_DIGITS` digits: it is refused before it is converted."""
    if len(text) <= MAX_NUMBER_DIGITS or not _NUMBER.fullmatch(text):
        return False
    return sum(char.isdigit() for char in text) > MAX_NUMBER_DIGITS


def too_many_digits_message() -> str:
    """The refusal of an over-long number, naming the limit."""
    return msg("数字过长：最多 {limit} 位", limit=MAX_NUMBER_DIGITS)


def control_character_message(code: str) -> str:
    """The refusal of a control character, naming it."""
    return msg("含有不可见的控制字符（{code}），请删除后重新提交", code=code)


def parse_row_id(text: object) -> int | None:
    """A row id from a query string or form (``"42"``), or None for anything else: ASCII digits
    only (``²`` and full-width digits are no id), 1 to :data:`DB_INT_MAX`."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 < text <= DB_INT_MAX else None
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(DB_INT_MAX)):
        return None
    value = int(text)
    return value if 0 < value <= DB_INT_MAX else None


def db_int(value: object) -> int:
    """Coerce a choice's value to an int a database column holds (0 for "none chosen"), or
    raise ValueError: the ``coerce`` of every select field that picks a row."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        if len(value.strip()) > len(str(DB_INT_MAX)):
            raise ValueError(value[:20])
        number = int(value)
    else:
        raise ValueError(str(value)[:20])
    if not 0 <= number <= DB_INT_MAX:
        raise ValueError(str(value)[:20])
    return number


def date_in_range(value: date | datetime | None) -> bool:
    """True when ``value`` (a date, or a datetime's date) is None or within the accepted range."""
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def date_range_message() -> str:
    """The refusal of a date outside the range, naming the range."""
    return msg("日期须在 {first} 至 {last} 之间", first=DATE_MIN.isoformat(),
               last=DATE_MAX.isoformat())


def is_digits(text: str) -> bool:
    """True for ASCII digits only: ``str.isdigit`` also accepts ``²`` and other digits that
    ``int()`` refuses, which turned a query such as ``?actor=²`` into a server error."""
    return text.isascii() and text.isdigit()
