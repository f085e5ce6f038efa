"""How people can be reached outside the site: the e-mail address a person gives for their
notifications, read leniently (full-width characters, spaces) and checked simply."""

from __future__ import annotations

import re
import unicodedata

from grants.domain.i18n import N_, tr

EMAIL_MAX_CHARS = 120
EMAIL_MESSAGE = N_("邮箱格式不正确，请填写如 name@example.com 的地址（不接收邮件请留空）")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def normalise_email(text: str | None) -> str | None:
    """The address as stored (``Name@Example.COM`` → ``Name@example.com``), ``""`` for a blank
    input (no e-mail wanted), or ``None`` when it is not an address."""
    cleaned = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))
    if not cleaned:
        return ""
    if len(cleaned) > EMAIL_MAX_CHARS or not _EMAIL.fullmatch(cleaned):
        return None
    local, _at, domain = cleaned.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_email(text: str | None) -> str | None:
    """Say why an e-mail address cannot be used, else ``None``."""
    return None if normalise_email(text) is not None else tr(EMAIL_MESSAGE)
