"""Route access rules: every view declares who may use it, and the declaration is enforced.

A test walks ``app.url_map`` and fails for any endpoint whose view lacks a rule, so a new route
cannot be added without deciding who may use it.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from grants.domain.permissions import has_any_role
from grants.extensions import login_manager

PUBLIC, LOGIN, ROLES = "public", "login", "roles"


def _rule(kind: str, roles: tuple[str, ...] = ()):
    """Decorator factory that enforces and records an access rule on a view."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if kind != PUBLIC and not current_user.is_authenticated:
                return login_manager.unauthorized()
            if kind == ROLES and not has_any_role(current_user, roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = (kind, frozenset(roles))
        return guarded

    return decorate


def public(view):
    """Anyone, logged in or not, may use this view."""
    return _rule(PUBLIC)(view)


def login_required(view):
    """Any logged-in account may use this view (object checks happen inside)."""
    return _rule(LOGIN)(view)


def roles_required(*roles: str):
    """Only accounts holding one of ``roles`` may use this view."""
    return _rule(ROLES, roles)


STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def access_rule_of(app, endpoint: str):
    """The declared rule of an endpoint; static files are public by nature."""
    if endpoint in STATIC_ENDPOINTS:
        return (PUBLIC, frozenset())
    return getattr(app.view_functions[endpoint], "access_rule", None)
