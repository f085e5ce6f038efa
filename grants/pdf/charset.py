"""The characters the core PDF font covers: what public notices are made of.

Everything outside this set still renders: the CSS font stack falls back to the
full system Noto Sans CJK SC for it.
"""

from functools import cache

#: GB2312 rows 0xA1-0xA9 hold the non-hanzi symbols (①, ℃, ×, →, Greek...),
#: rows 0xB0-0xD7 the 3755 level-1 hanzi (row 0xD7 stops at 0xF9).
_GB2312_ROWS = (*range(0xA1, 0xAA), *range(0xB0, 0xD8))
_GB2312_CELLS = range(0xA1, 0xFF)

_UNICODE_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement, with ¥
    (0x2010, 0x205E),  # general punctuation: dashes, quotes, ellipsis, ‰, ※
    (0x20AC, 0x20AC),  # euro sign
    (0x2116, 0x2122),  # №, ™
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF01, 0xFF65),  # full-width forms
    (0xFFE0, 0xFFE6),  # full-width signs, with ￥
)


def _gb2312_chars() -> set[int]:
    """Decode the GB2312 symbol rows and level-1 hanzi, skipping unassigned cells."""
    chars = set()
    for row in _GB2312_ROWS:
        for cell in _GB2312_CELLS:
            try:
                chars.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


@cache
def core_codepoints() -> frozenset[int]:
    """Return the code points put in the core font, so its subset stays small."""
    chars = _gb2312_chars()
    for first, last in _UNICODE_RANGES:
        chars.update(range(first, last + 1))
    return frozenset(chars)
