"""Garbage sent to every route, by every kind of user, on the full demo data: never a 500.

The demo seed gives every route real objects to aim at (rounds, needs, proposals, sheets,
awards, notices, objections); each route is then called with empty, hostile and absurd values.
Afterwards the audit chain must still verify: refused requests wrote nothing half-done.
"""

from __future__ import annotations

import re

from grants.demo import DEMO_PASSWORD, seed_all
from grants.domain.audit import verify_chain
from grants.services import audit

GARBAGE = {
    "": "", "amount": "abc", "pool": "-1", "reason": "<script>alert(1)</script>",
    "title": "x" * 5000, "points": "1e309", "ids": ["abc", "-1", "99999999999"],
    "action": "nope", "round_id": "abc", "target_id": "-5", "page": "-3", "sort": "<b>",
    "text": "\x00\x01", "phone": "１２３", "min_score": "NaN", "amount_fen": "99999999999999999999",
    "new_amount": "15000.01", "comment": "评" * 3000, "weight": "0.9", "k": "0", "seed": "x",
    "judge_id": "abc", "organisation_id": "-1", "quantity": "1.5", "unit_price": "--1",
    "community_id": "abc", "category": "<svg onload=1>", "status": "''; DROP TABLE user;--",
}
USERS = ("-", "admin", "organizer", "judge1", "judge3", "resident1", "resident9", "org1", "auditor",
         "finance1")


def _paths(app, ids):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static", "auth.logout", "main.set_language"):
            continue
        for value in ids:
            path = rule.rule
            for name, converter in rule._converters.items():
                filler = str(value) if type(converter).__name__ == "IntegerConverter" else "x"
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", filler, path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def _hostile_calls(app, client) -> list[tuple[str, str, int]]:
    """Call every route with hostile values; return the calls that answered 5xx."""
    failures = []
    for method, path in _paths(app, ids=(1, 2, 3, 999999)):
        if method == "GET":
            response = client.get(path, query_string={"page": "-3", "round_id": "abc",
                                                      "sort": "<b>", "status": "x"})
        else:
            response = client.open(path, method=method, data=GARBAGE)
        if response.status_code >= 500:
            failures.append((method, path, response.status_code))
    return failures


def test_hostile_input_to_every_route_never_answers_500(app, client):
    list(seed_all())
    failures = {}
    for username in USERS:
        client = app.test_client()  # a fresh session per user (IsolatedClient, see conftest)
        if username != "-":
            response = client.post("/auth/login", data={"username": username,
                                                          "password": DEMO_PASSWORD})
            assert response.status_code == 302, username
        failures[username] = _hostile_calls(app, client)
    assert failures == {username: [] for username in USERS}
    assert verify_chain(audit.iter_rows(), audit.head()).ok
