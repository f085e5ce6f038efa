"""Password rules: length limits and a shipped list of common passwords that are refused."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from grants.domain.i18n import msg

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Load the shipped list of passwords too common to allow (lower-cased)."""
    text = resources.files("grants.domain").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Say why a new password is unacceptable, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return msg("密码至少需要 {min} 个字符", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return msg("密码不能超过 {max} 个字符", max=MAX_LENGTH)
    if password.lower() in common_passwords():
        return msg("这个密码太常见，容易被猜中，请换一个")
    if username and password.lower() == username.lower():
        return msg("密码不能与用户名相同")
    return None
