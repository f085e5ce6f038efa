"""Password rules: length limits, a shipped list of common passwords, and no password that is
only repetition or a sequence.

"Only repetition or a sequence" is judged by how many characters bring something new: a
character that repeats the one before, or comes right after or before it in the alphabet, in
the digits or along a keyboard row, brings nothing (``aaaaaaaa``, ``12345678``, ``abcdefgh``,
``qwertyui``, ``87654321``, ``abababab``). Fewer than four such characters is refused, and so is
any password that is one shorter piece said again and again (``a1a1a1a1``, ``abcabcabc``).
``Correct-Horse-9`` brings fourteen.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from grants.domain.i18n import msg

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_FRESH = 4
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Load the shipped list of passwords too common to allow (lower-cased)."""
    text = resources.files("grants.domain").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _neighbours(a: str, b: str) -> bool:
    """True when ``b`` repeats ``a`` or sits right beside it (alphabet, digits, keyboard)."""
    if a == b or abs(ord(a) - ord(b)) == 1:
        return True
    return any(a in row and b in row and abs(row.index(a) - row.index(b)) == 1
               for row in KEYBOARD_ROWS)


def fresh_characters(password: str) -> int:
    """How many characters bring something new (see the module text): the first one, and each
    that neither repeats the one before nor sits beside it."""
    text = password.lower()
    return sum(1 for i, ch in enumerate(text) if i == 0 or not _neighbours(text[i - 1], ch))


def is_repeated_piece(password: str) -> bool:
    """True when the password is a shorter piece said over and over (``abcabcabc``)."""
    text = password.lower()
    return any(len(text) % size == 0 and text == text[:size] * (len(text) // size)
               for size in range(1, len(text) // 2 + 1))


def password_problem(password: str, username: str = "") -> str | None:
    """Say why a new password is unacceptable, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return msg("密码至少需要 {min} 个字符", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return msg("密码不能超过 {max} 个字符", max=MAX_LENGTH)
    if password.lower() in common_passwords():
        return msg("这个密码太常见，容易被猜中，请换一个")
    if fresh_characters(password) < MIN_FRESH or is_repeated_piece(password):
        return msg("密码不能只是重复或连续的字符（如 aaaaaaaa、12345678、abcabcabc），请加入更多变化")
    if username and password.lower() == username.lower():
        return msg("密码不能与用户名相同")
    return None
