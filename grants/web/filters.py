"""Jinja filters and globals: money, local times, role labels, permission checks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import get_locale

from grants.domain import permissions
from grants.domain.i18n import tr
from grants.domain.money import format_fen
from grants.domain.roles import ROLE_LABELS
from grants.domain.workflow import ROLE_LABELS as ACTOR_LABELS
from grants.web.nav import nav_items

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Each language is offered under its own name, whatever language the page is in.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a stored UTC time (naive datetime or ISO text) in Beijing time."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def role_label(role: str | None) -> str:
    """A role's name in the reader's language; audit actors ``public``/``system`` included."""
    return tr(ROLE_LABELS.get(role) or ACTOR_LABELS.get(role, role or ""))


def register_filters(app: Flask) -> None:
    """Make the display helpers available in every template."""
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["perm"] = permissions
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["get_locale"] = get_locale
