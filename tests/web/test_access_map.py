"""Every route gets each visitor what its declared policy promises, on GET and on POST.

For each kind of visitor (anonymous, then one account per role) every route is called with
every method it accepts: a visitor the policy allows must get through (neither 403 nor sent to
log in), a signed-in visitor it refuses must get 403, and an anonymous visitor on a protected
route must be sent to log in. Ids in URLs point at nothing, so an allowed visitor reaches the
view and gets its 404 rather than changing anything. CSRF is off in the test config, so a POST
reaches the policy check instead of stopping at the token check.

That every route declares a policy at all is ``tests/architecture/test_routes.py``.
"""

from __future__ import annotations

import re

import pytest
from flask import abort
from werkzeug.routing import IntegerConverter

from grants.domain.permissions import policies
from grants.domain.roles import ROLES
from grants.web.access import STATIC_ENDPOINTS, policy_of, requires
from tests.helpers import create_user

ANONYMOUS = "anonymous"
MISSING_ID = "987654"
LAST_ENDPOINTS = ("auth.logout",)
"""Called last, since they end the visit."""


def _routes(app):
    """Every non-static rule, logging out last."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in STATIC_ENDPOINTS]
    return sorted(rules, key=lambda rule: (rule.endpoint in LAST_ENDPOINTS, rule.rule))


def _path(rule) -> str:
    """Fill integer URL variables with an id that exists nowhere, others with 'x'."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = MISSING_ID if isinstance(converter, IntegerConverter) else "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def _methods(rule) -> list[str]:
    """Every method the route accepts (HEAD and OPTIONS are Flask's own)."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers.get("Location", "")


def _wrong_answer(policy, user, response) -> str | None:
    """What the policy promised and the response did not give, or None when it agrees."""
    if user is None:
        if policy.needs_login(None):
            return None if _sent_to_login(response) else "should be sent to log in"
        refused = response.status_code == 403 or _sent_to_login(response)
        return "public route refused or sent to log in" if refused else None
    if policy.allows(user):
        refused = response.status_code == 403 or _sent_to_login(response)
        return "allowed but refused or sent to log in" if refused else None
    return None if response.status_code == 403 else "should be refused with 403"


def _wrong_answers(app, client, visitor: str, user) -> tuple[list[str], int]:
    """Call every route with every method as ``visitor``; the answers that break the route's
    policy, each naming the visitor, method, route, policy and status, and the call count."""
    wrong = []
    calls = 0
    for rule in _routes(app):
        policy = policy_of(app, rule.endpoint)
        assert policy is not None, f"{rule.rule} ({rule.endpoint}) declares no policy"
        for method in _methods(rule):
            response = client.open(_path(rule), method=method)
            calls += 1
            problem = _wrong_answer(policy, user, response)
            if problem:
                wrong.append(f"{visitor}: {method} {rule.rule} ({rule.endpoint}, policy "
                             f"{policy.name}) answered {response.status_code} — {problem}")
    return wrong, calls


def _visit_as(auth, visitor: str):
    """Sign in as a fresh account holding the role ``visitor`` (None for anonymous)."""
    if visitor == ANONYMOUS:
        return None
    user = create_user(f"user_{visitor}", visitor)
    assert auth.login(user.username).status_code == 302, f"{visitor} could not log in"
    return user


@pytest.mark.parametrize("visitor", (ANONYMOUS, *ROLES))
def test_each_visitor_gets_what_every_route_policy_promises(app, client, auth, visitor):
    assert not app.config["WTF_CSRF_ENABLED"], "POSTs must reach the policy, not the CSRF check"
    user = _visit_as(auth, visitor)
    wrong, calls = _wrong_answers(app, client, visitor, user)
    assert not wrong, "\n".join(wrong)
    assert calls > 80, "the walk missed most routes"


def _add_broken_routes(app) -> None:
    """A POST route that refuses even the roles its policy allows, and a GET route that
    declares a policy without enforcing it."""

    @requires(policies.ORGANIZE)
    def refuses_everyone(item_id):
        abort(403)

    def declares_only():
        return "anyone gets in"

    declares_only.policy = policies.ORGANIZE
    app.add_url_rule("/broken/<int:item_id>/refuse", "broken.refuse", refuses_everyone,
                     methods=["POST"])
    app.add_url_rule("/broken/open", "broken.open", declares_only)


@pytest.mark.parametrize(("visitor", "expected"), [
    ("organizer", ["organizer: POST /broken/<int:item_id>/refuse (broken.refuse, policy "
                   "organize) answered 403 — allowed but refused or sent to log in"]),
    ("resident", ["resident: GET /broken/open (broken.open, policy organize) answered 200 — "
                  "should be refused with 403"]),
    (ANONYMOUS, ["anonymous: GET /broken/open (broken.open, policy organize) answered 200 — "
                 "should be sent to log in"]),
])
def test_the_walk_names_a_post_route_refusing_an_allowed_role_and_an_unenforced_one(
    app, client, auth, visitor, expected
):
    _add_broken_routes(app)
    user = _visit_as(auth, visitor)
    wrong, _calls = _wrong_answers(app, client, visitor, user)
    assert wrong == expected


class _Visitor:
    """A stand-in account for the answer check: signed in, holding ``roles``."""

    is_authenticated = True
    id = 1

    def __init__(self, *roles: str) -> None:
        self.roles = set(roles)


class _Response:
    def __init__(self, status_code: int, location: str = "") -> None:
        self.status_code = status_code
        self.headers = {"Location": location} if location else {}


@pytest.mark.parametrize(("policy_name", "user", "response"), [
    ("organize", _Visitor("organizer"), _Response(403)),
    ("organize", _Visitor("organizer"), _Response(302, "/auth/login?next=%2Fawards%2F")),
    ("organize", _Visitor("resident"), _Response(200)),
    ("organize", _Visitor("resident"), _Response(404)),
    ("organize", _Visitor("resident"), _Response(302, "/awards/")),
    ("organize", None, _Response(403)),
    ("organize", None, _Response(200)),
    ("public", None, _Response(302, "/auth/login")),
    ("public", _Visitor("judge"), _Response(403)),
])
def test_the_answer_check_catches_a_route_that_breaks_its_policy(policy_name, user, response):
    policy = next(p for p in policies.ALL if p.name == policy_name)
    assert _wrong_answer(policy, user, response) is not None


@pytest.mark.parametrize(("policy_name", "user", "response"), [
    ("organize", _Visitor("organizer"), _Response(404)),
    ("organize", _Visitor("admin"), _Response(302, "/awards/")),
    ("organize", _Visitor("resident"), _Response(403)),
    ("organize", None, _Response(302, "/auth/login?next=%2Fawards%2F")),
    ("public", None, _Response(200)),
    ("signed_in", _Visitor("judge"), _Response(200)),
])
def test_the_answer_check_accepts_what_the_policy_promises(policy_name, user, response):
    policy = next(p for p in policies.ALL if p.name == policy_name)
    assert _wrong_answer(policy, user, response) is None
