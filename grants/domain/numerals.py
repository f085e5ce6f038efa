"""Chinese financial capital numerals (中文大写金额) for agreements, notices and receipts.

Follows the writing rules attached to the PBOC 《支付结算办法》:

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, sections 万 and 亿 (so 10 is 壹拾, never 拾);
* a run of zeros inside the integer part is written as a single 零, trailing zeros not at all;
* 整 follows 元 when there are no 角 or 分, and follows 角 when there is no 分 (the rules make
  it optional after 角; the platform always writes it, so nothing can be appended to the
  amount); nothing follows 分;
* when 角 is zero but 分 is not, 零 is written after 元 (¥16,409.02 → 壹万陆仟肆佰零玖元零贰分);
  when only the 元 digit is zero (¥1,680.32) the optional 零 is left out;
* amounts under one yuan start at the first non-zero unit (¥0.50 → 伍角整, ¥0.05 → 伍分).
"""

from __future__ import annotations

from grants.domain.i18n import msg

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("仟", "佰", "拾", "")
_WAN = 10**4
_YI = 10**8
_MAX_YUAN = 10**16  # up to 万亿; 亿亿 is not a unit anyone writes on a cheque


def _section(n: int) -> str:
    """Write 1..9999 with 仟佰拾, collapsing inner zeros to one 零 and dropping trailing ones."""
    out = ""
    pending_zero = False
    for digit, unit in zip(f"{n:04d}", _SMALL_UNITS, strict=True):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += DIGITS[int(digit)] + unit
    return out


def _integer(n: int) -> str:
    """Write a positive whole number with 万/亿 sections, adding 零 where a section has a gap."""
    for base, unit in ((_YI, "亿"), (_WAN, "万")):
        if n >= base:
            high, low = divmod(n, base)
            text = _integer(high) + unit
            if low == 0:
                return text
            gap = "零" if low < base // 10 else ""
            return text + gap + _integer(low)
    return _section(n)


def _fraction(jiao: int, fen: int, has_yuan: bool) -> str:
    """Write the 角/分 tail (or 整) that follows the yuan part."""
    if jiao == 0 and fen == 0:
        return "整"
    if fen == 0:
        return f"{DIGITS[jiao]}角整"
    if jiao == 0:
        return f"{'零' if has_yuan else ''}{DIGITS[fen]}分"
    return f"{DIGITS[jiao]}角{DIGITS[fen]}分"


def capital_numerals(fen: int) -> str:
    """Write an amount in fen as capital numerals (1234567 → 壹万贰仟叁佰肆拾伍元陆角柒分).

    Agreements and payment documents carry the amount in capitals as well as in figures because
    capitals cannot be altered by adding a stroke. Raises ``ValueError`` for negative amounts
    and for amounts of 亿亿 yuan or more, ``TypeError`` for anything but ``int``.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money must be integer fen, got {type(fen).__name__}")
    if fen < 0:
        raise ValueError(msg("金额不能为负数"))
    yuan_part, cents = divmod(fen, 100)
    if yuan_part >= _MAX_YUAN:
        raise ValueError(msg("金额过大，无法写成大写金额"))
    jiao, fen_digit = divmod(cents, 10)
    if yuan_part == 0 and cents == 0:
        return "零元整"
    head = _integer(yuan_part) + "元" if yuan_part else ""
    return head + _fraction(jiao, fen_digit, has_yuan=bool(yuan_part))
