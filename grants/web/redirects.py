"""Where a ``next`` parameter may send the browser: a path on this site, never elsewhere.

Browsers read a ``Location`` more loosely than a check like ``startswith("/")`` does: they drop
tabs and line breaks (``/\\t/evil.example`` becomes ``//evil.example``), treat a backslash as a
slash (``/\\evil.example``), and a CR/LF would split the header itself. So a target is accepted
only when it is a plain path: no scheme, no host, no control or space characters and no
backslash, and it starts with exactly one ``/`` — judged on the text as given and on its
percent-decoded form, so an encoded variant (``/%09/evil.example``) is refused too.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def _plain_path(text: str) -> bool:
    """True when ``text`` is a path a browser cannot read as another site's address."""
    if any(unicodedata.category(ch)[0] == "C" or ch == "\\" for ch in text):
        return False
    if not text.startswith("/") or text.startswith("//"):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def is_safe_path(target: str | None) -> bool:
    """True when ``target`` may be redirected to: a same-site path, however it is encoded."""
    if not target or len(target) > MAX_LENGTH:
        return False
    decoded, seen = target, set()
    while decoded not in seen:
        if not _plain_path(decoded):
            return False
        seen.add(decoded)
        decoded = unquote(decoded)
    return True


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a safe same-site path, else ``default``."""
    return target if is_safe_path(target) else default
