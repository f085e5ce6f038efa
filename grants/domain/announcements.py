"""Announcements (公告): what an organizer may write, and the one sanitiser of their rich text.

The body is HTML typed by staff and shown to everyone, so it is cleaned by ``nh3`` (the Rust
ammonia sanitiser) on the way in and is stored only in its clean form: a short list of
formatting tags, links that open safely (``rel="noopener noreferrer nofollow"``), no attributes
but ``href`` and ``title`` on links, no scripts, styles, images, frames or event handlers.
"""

from __future__ import annotations

import nh3

from grants.domain.i18n import msg

TITLE_MAX_CHARS = 80
BODY_MAX_CHARS = 20_000
"""Upper bounds of what is typed (the body before cleaning)."""

ALLOWED_TAGS: frozenset[str] = frozenset({
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote",
    "h3", "h4", "a", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
})
"""The formatting an announcement may keep; every other tag is dropped (its text kept)."""
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "th": {"colspan"},
                                           "td": {"colspan"}}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset({"script", "style"})
"""Tags removed together with their content."""


def sanitize(html: str) -> str:
    """The body as the portal may show it: allowed tags only, safe links, no active content."""
    return nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        strip_comments=True,
    ).strip()


def plain_text(html: str) -> str:
    """The words of a cleaned body without any tag, for summaries and empty checks."""
    return nh3.clean(html or "", tags=set()).strip()


def problems(title: str, body: str) -> list[str]:
    """Every reason an announcement cannot be saved as typed (empty when it can)."""
    found = []
    title = (title or "").strip()
    if not title:
        found.append(msg("请填写公告标题"))
    elif len(title) > TITLE_MAX_CHARS:
        found.append(msg("公告标题不能超过 {max} 字", max=TITLE_MAX_CHARS))
    if len(body or "") > BODY_MAX_CHARS:
        found.append(msg("公告正文不能超过 {max} 字", max=BODY_MAX_CHARS))
    elif not plain_text(sanitize(body)):
        found.append(msg("请填写公告正文"))
    return found
