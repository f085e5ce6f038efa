"""Route access: every view declares a policy from :mod:`grants.domain.permissions.policies`.

``@requires(policies.ORGANIZE)`` enforces the policy (anonymous visitors are sent to log in, a
staff account still owing its second factor to that step, a signed-in person without the role
gets 403) and records it on the view, so the navigation and
the access tests read the same declaration. A test walks ``app.url_map`` and fails for any
endpoint whose view lacks one, so a route cannot be added without deciding who may use it.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from grants.domain.permissions.policies import PUBLIC, Policy
from grants.extensions import login_manager
from grants.web import sessions as web_sessions

STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def requires(policy: Policy, *, second_factor_step: bool = False):
    """Decorator: enforce ``policy`` on a view and record it as the view's ``policy``.

    A staff account whose second factor is still due counts as not signed in, and is sent to
    the code step (or to set up an authenticator) instead of to log in; the views of that step
    itself say ``second_factor_step=True`` to let it through.
    """

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if policy.needs_login(current_user):
                live = web_sessions.waiting()
                if live is None:
                    return login_manager.unauthorized()
                if not second_factor_step:
                    return web_sessions.to_second_factor(live)
                return view(*args, **kwargs)
            if not policy.allows(current_user):
                abort(403)
            return view(*args, **kwargs)

        guarded.policy = policy
        return guarded

    return decorate


def policy_of(app, endpoint: str) -> Policy | None:
    """The declared policy of an endpoint; static files are public by nature."""
    if endpoint in STATIC_ENDPOINTS:
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "policy", None)
