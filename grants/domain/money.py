"""Money as integer fen (分): formatting for people and a strict parser for what they type.

Every amount in the platform is an ``int`` number of fen. Floats never appear: the parser works
on the digits of the text, the formatter on integer division.
"""

from __future__ import annotations

import re
import unicodedata

from grants.domain.i18n import msg

FEN_PER_YUAN = 100

_AMOUNT = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?$")
_MAX_FEN = 10**15  # ¥10 trillion: far above any pool, well inside BIGINT


class MoneyError(ValueError):
    """The text is not an amount of money the platform accepts; ``str(err)`` is the reason."""


def yuan(amount_yuan: int) -> int:
    """Whole yuan → fen, for constants written in code (``yuan(5000) == 500000``)."""
    return amount_yuan * FEN_PER_YUAN


def format_fen(fen: int, symbol: str = "¥") -> str:
    """Render fen as ``¥12,345.00`` (negative as ``-¥12.30``), the one display format."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money must be integer fen, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{symbol}{whole:,}.{cents:02d}"


def fen_to_plain(fen: int) -> str:
    """Render fen as ``12345.00`` with no symbol or separators, for form fields and CSV."""
    return format_fen(fen, symbol="").replace(",", "")


def _normalise(text: str) -> str:
    """Fold full-width digits and punctuation to ASCII and drop a leading ¥/￥ and spaces."""
    folded = unicodedata.normalize("NFKC", text).strip()
    folded = folded.replace("，", ",").replace("。", ".")
    if folded[:1] in ("¥", "￥"):
        folded = folded[1:].strip()
    if folded.endswith("元"):
        folded = folded[:-1].strip()
    return folded


def parse_money(text: str | None) -> int:
    """Parse what a person typed (``5000``, ``5,000.50``, ``￥５０００``) into fen.

    Refuses empty text, negatives, exponents, more than two decimals and absurd sizes, each with
    a Chinese reason, because a silently rounded or misread amount is worse than an error.
    """
    if text is None or not str(text).strip():
        raise MoneyError(msg("请输入金额"))
    cleaned = _normalise(str(text))
    if cleaned.startswith("-"):
        raise MoneyError(msg("金额不能为负数"))
    if "e" in cleaned.lower():
        raise MoneyError(msg("金额请直接写数字，不要使用科学计数法"))
    match = _AMOUNT.match(cleaned)
    if not match:
        if re.fullmatch(r"[\d,]*\.\d{3,}", cleaned):
            raise MoneyError(msg("金额最多保留两位小数（精确到分）"))
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise MoneyError(msg("“{text}”不是有效的金额，请输入如 5000 或 5,000.00 的数字", text=shown))
    digits = match.group("int").replace(",", "").lstrip("0")
    if len(digits) > len(str(_MAX_FEN // FEN_PER_YUAN)):
        raise MoneyError(msg("金额过大，不能超过 {limit}", limit=format_fen(_MAX_FEN - 1)))
    whole = int(digits or "0")
    frac = (match.group("frac") or "").ljust(2, "0")
    fen = whole * FEN_PER_YUAN + int(frac)
    if fen >= _MAX_FEN:
        raise MoneyError(msg("金额过大，不能超过 {limit}", limit=format_fen(_MAX_FEN - 1)))
    return fen
