"""Open data (360Giving Data Standard): identifiers, money in yuan and exact JSON text.

Plain rules the package builder (:mod:`grants.services.portal.opendata`) follows:

* a grant is ``360G-<prefix>-<award id>``; an organisation is ``CN-USCI-<统一社会信用代码>``
  (the org-id.guide list for China's unified social credit code); a resident team is an
  anonymous individual ``360G-<prefix>-IND-<award id>`` — no name, no contact, nothing private;
* money is integer fen inside the platform and yuan with two decimals in the file, converted
  with :class:`~decimal.Decimal` (fen / 100 exactly) and written digit for digit by
  :func:`dumps`, so ``1234567`` fen is ``12345.67`` in the file and never a float's neighbour;
* dates are written as full date-times at Beijing midnight (``2026-01-15T00:00:00+08:00``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

FEN_PER_YUAN = Decimal(100)
CURRENCY = "CNY"
STANDARD_VERSION = "1.4"
"""``version`` of the package (major.minor, as the package schema's pattern asks)."""
ANONYMOUS_TEAM = "居民团队（匿名）"
"""The name every resident team carries in the open data: the team, never its members."""
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def yuan(fen: int) -> Decimal:
    """Integer fen as yuan with exactly two decimals: ``1234567`` → ``Decimal('12345.67')``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money must be integer fen, got {type(fen).__name__}")
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def grant_id(prefix: str, award_id: int) -> str:
    """The 360Giving identifier of an award's grant."""
    return f"360G-{prefix}-{award_id}"


def individual_id(prefix: str, award_id: int) -> str:
    """The anonymous identifier of the resident team that received an award."""
    return f"360G-{prefix}-IND-{award_id}"


def organisation_id(uscc: str) -> str:
    """The org-id of an organisation from its 统一社会信用代码."""
    return f"CN-USCI-{uscc.strip().upper()}"


def programme_code(prefix: str, round_id: int) -> str:
    """The grant programme (the round) code."""
    return f"360G-{prefix}-R{round_id}"


def date_time(day: date) -> str:
    """A date as the full date-time at Beijing midnight (360Giving accepts date-times)."""
    return f"{day.isoformat()}T00:00:00+08:00"


def dumps(value, indent: int = 2) -> str:
    """JSON text of dicts, lists, strings, ints, bools, None and :class:`Decimal` — the last
    written as a JSON number digit for digit (``json`` would need a float for that)."""
    return "".join(_encode(value, indent, 0))


def _encode(value, indent: int, level: int):
    """The JSON pieces of one value, nested with ``indent`` spaces a level."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("money must be finite")
        yield format(value, "f")
    elif isinstance(value, Mapping):
        yield from _container("{", "}", [(key, item) for key, item in value.items()],
                              indent, level)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        yield from _container("[", "]", [(None, item) for item in value], indent, level)
    elif isinstance(value, float):
        raise TypeError("floats are not written: money is Decimal, counts are int")
    else:
        yield json.dumps(value, ensure_ascii=False)


def _container(opening: str, closing: str, items, indent: int, level: int):
    """An object or array: each item on its own line, ``key: value`` for objects."""
    if not items:
        yield opening + closing
        return
    pad, inner = " " * indent * level, " " * indent * (level + 1)
    yield opening + "\n"
    for position, (key, item) in enumerate(items):
        yield inner
        if key is not None:
            yield json.dumps(str(key), ensure_ascii=False) + ": "
        yield from _encode(item, indent, level + 1)
        yield ",\n" if position < len(items) - 1 else "\n"
    yield pad + closing
