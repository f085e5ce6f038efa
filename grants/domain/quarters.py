"""Calendar quarters (季度) as the follow-up and the league table count them: ``2025Q3``.

A quarter is written as four digits of year, ``Q`` and 1–4; dates are Beijing calendar dates.
"""

from __future__ import annotations

import re
from datetime import date

from grants.domain.i18n import N_, msg, tr

_QUARTER = re.compile(r"(\d{4})Q([1-4])")
QUARTER_NAMES = (N_("第一季度"), N_("第二季度"), N_("第三季度"), N_("第四季度"))


def quarter_of(day: date) -> str:
    """The quarter a date falls in."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> tuple[int, int]:
    """``(year, quarter)`` of a quarter's text; ``ValueError`` with a Chinese reason if bad."""
    found = _QUARTER.fullmatch((text or "").strip().upper())
    if not found:
        raise ValueError(msg("季度应写成“2025Q3”这样的形式（年份、Q、1 至 4）"))
    return int(found.group(1)), int(found.group(2))


def quarter_bounds(text: str) -> tuple[date, date]:
    """The first and last day of a quarter."""
    year, number = parse_quarter(text)
    first = date(year, 3 * number - 2, 1)
    last = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarters_between(first: date, last: date) -> list[str]:
    """Every quarter from the one holding ``first`` to the one holding ``last``, in order."""
    found = []
    year, number = parse_quarter(quarter_of(first))
    end = parse_quarter(quarter_of(last))
    while (year, number) <= end:
        found.append(f"{year}Q{number}")
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return found


def quarter_label(text: str) -> str:
    """A quarter as people read it: ``2025年第三季度``."""
    year, number = parse_quarter(text)
    return msg("{year}年{quarter}", year=year, quarter=tr(QUARTER_NAMES[number - 1]))
