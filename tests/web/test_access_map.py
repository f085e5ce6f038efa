"""Every route declares who may use it, and each role gets the status the declaration promises."""

from __future__ import annotations

import re

import pytest

from grants.domain.roles import ROLES
from grants.web.access import LOGIN, PUBLIC, access_rule_of
from tests.helpers import create_user, login_as


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        yield rule


def _path(rule) -> str:
    """Fill every URL variable with 1 (ints) or 'x' (strings)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = "1" if type(converter).__name__ in ("IntegerConverter",) else "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def test_every_route_declares_an_access_rule(app):
    missing = [rule.endpoint for rule in _routes(app) if access_rule_of(app, rule.endpoint) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def _call(client, rule):
    return client.open(_path(rule), method=_method(rule))


def test_anonymous_visitors_are_sent_to_login_for_protected_routes(app, client):
    for rule in _routes(app):
        kind, _roles = access_rule_of(app, rule.endpoint)
        response = _call(client, rule)
        if kind == PUBLIC:
            assert response.status_code != 403, rule.rule
            assert "/auth/login" not in response.headers.get("Location", "") or \
                rule.endpoint == "auth.logout", rule.rule
        else:
            assert response.status_code == 302, rule.rule
            assert "/auth/login" in response.headers["Location"], rule.rule


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_it_is_not_allowed(app, client, role):
    create_user(f"user_{role}", role)
    login_as(client, f"user_{role}")
    for rule in _routes(app):
        if rule.endpoint in ("auth.logout",):
            continue
        kind, roles = access_rule_of(app, rule.endpoint)
        response = _call(client, rule)
        if kind in (PUBLIC, LOGIN):
            continue
        if role in roles:
            assert response.status_code != 403 or _method(rule) != "GET", (role, rule.rule)
        else:
            assert response.status_code == 403, (role, rule.rule, response.status_code)
