"""Jinja filters and globals: money, local times, role labels, permission checks."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, has_request_context, request
from flask_babel import get_locale

from grants.domain.clock import BEIJING, aware
from grants.domain.i18n import tr
from grants.domain.lifecycles import LIFECYCLES
from grants.domain.money import format_fen
from grants.domain.permissions import needs as need_permissions
from grants.domain.roles import ROLE_LABELS
from grants.web.idempotency import new_idempotency_key
from grants.web.nav import nav_items

# Each language is offered under its own name, whatever language the page is in.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a stored UTC time (naive datetime or ISO text) in Beijing time."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return aware(value).astimezone(BEIJING).strftime(fmt)


def role_label(role: str | None) -> str:
    """A role's name in the reader's language; audit actors ``public``/``system`` included."""
    return tr(ROLE_LABELS.get(role, role or ""))


def register_filters(app: Flask) -> None:
    """Make the display helpers available in every template."""
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["perm"] = need_permissions
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["get_locale"] = get_locale
    register_lifecycle_globals(app)
    register_idempotency_global(app)


NEGATIVE_STATES = frozenset({"revoked", "ineligible", "not_awarded", "withdrawn", "dismissed",
                             "suspended", "merged", "discarded", "closed", "rejected",
                             "cancelled", "blocked", "failed"})
POSITIVE_STATES = frozenset({"eligible", "awarded", "confirmed", "upheld", "funded", "submitted",
                             "countersigned", "agreement_signed", "final_passed", "paid",
                             "approved", "passed"})
WAITING_STATES = frozenset({"draft", "returned", "filed", "open", "in_notice", "proposed",
                            "awaiting_signature", "signed_by_applicant", "pending", "due",
                            "requested", "assigned", "reminded", "scored"})
DESTRUCTIVE_ACTIONS = frozenset({"withdraw", "revoke", "mark_ineligible", "dismiss", "discard",
                                 "reject", "cancel", "block"})


def state_label(lifecycle: str, state: str | None) -> str:
    """The (untranslated) label of a state of the named lifecycle, for templates."""
    return LIFECYCLES[lifecycle].state_label(state) if state else ""


def action_label(lifecycle: str, action: str) -> str:
    """The (untranslated) label of an action of the named lifecycle, for templates."""
    return LIFECYCLES[lifecycle].action_label(action)


def state_tone(lifecycle: str, state: str | None) -> str:
    """The badge colour of a state: a display choice, never an access decision."""
    if state in NEGATIVE_STATES:
        return "text-bg-secondary"
    if state in POSITIVE_STATES:
        return "text-bg-success"
    if state in WAITING_STATES:
        return "text-bg-warning"
    return "text-bg-primary"


def action_tone(lifecycle: str, action: str) -> str:
    """The button style of an action: destructive actions are outlined in red."""
    return "btn-outline-danger" if action in DESTRUCTIVE_ACTIONS else "btn-outline-primary"


def posted(endpoint: str, **ids) -> bool:
    """True while answering a refused POST to ``endpoint`` for exactly these ids, so one row's
    form among many opens again with what was typed."""
    return (
        has_request_context() and request.method == "POST" and request.endpoint == endpoint
        and all((request.view_args or {}).get(key) == value for key, value in ids.items())
    )


def typed(name: str, default="", endpoint: str = "", **ids) -> str:
    """What the person typed into ``name`` when this very form was posted and refused, else
    ``default``: nothing typed is lost when a page is drawn again."""
    if posted(endpoint, **ids):
        return request.form.get(name, default)
    return default


def register_lifecycle_globals(app: Flask) -> None:
    """Labels and tones of every lifecycle, for the status and action macros."""
    for helper in (state_label, action_label, state_tone, action_tone, posted, typed):
        app.jinja_env.globals[helper.__name__] = helper


def register_idempotency_global(app: Flask) -> None:
    """``new_idempotency_key()``: a fresh key each time a money-moving form is drawn."""
    app.jinja_env.globals["new_idempotency_key"] = new_idempotency_key
