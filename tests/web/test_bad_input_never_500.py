"""Garbage sent to every route, by every kind of user, on the full demo data: never a 500.

The demo seed gives every route real objects to aim at (rounds, needs, proposals, sheets,
awards, notices, objections); each route is then called with empty, hostile and absurd values.
Afterwards the audit chain must still verify: refused requests wrote nothing half-done.

One test per kind of user, each on its own copy of the seeded demo (seeded once per session),
so a failure names who sent what to which route, and one user's requests cannot hide or cause
another's failure.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from grants.demo import DEMO_PASSWORD
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
HOSTILE_QUERY = {"page": "-3", "round_id": "abc", "sort": "<b>", "status": "x"}
IDS = (1, 2, 3, 999999)
ANONYMOUS = "anonymous"
USERS = (ANONYMOUS, "admin", "organizer", "judge1", "judge3", "resident1", "resident9", "org1",
         "auditor", "finance1")
NOT_CALLED = ("static", "bootstrap.static", "auth.logout", "main.set_language")
"""Static files, and the two routes that would end the visit or change its language."""


@pytest.fixture
def app(demo_app):
    """The application on its own copy of the seeded demo data."""
    return demo_app


def _paths(app, ids):
    """Every ``(method, path)`` to attack: each route, each accepted method, each id."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_CALLED:
            continue
        for value in ids:
            path = rule.rule
            for name, converter in rule._converters.items():
                filler = str(value) if type(converter).__name__ == "IntegerConverter" else "x"
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", filler, path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def _hostile_call(client, method: str, path: str):
    """One request with hostile values: a hostile query string for GET, the garbage form else."""
    if method == "GET":
        return client.get(path, query_string=HOSTILE_QUERY)
    return client.open(path, method=method, data=GARBAGE)


def _hostile_calls(app, client) -> list[str]:
    """Call every route with hostile values; describe each call that failed on the server."""
    failures = []
    sent = {"GET": "the hostile query", "POST": "the garbage form"}
    for method, path in _paths(app, ids=IDS):
        what = sent.get(method, "the garbage form")
        try:
            response = _hostile_call(client, method, path)
        except Exception as error:  # TESTING propagates what would be a 500 in production
            failures.append(f"{method} {path} with {what} raised {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            failures.append(f"{method} {path} with {what} answered {response.status_code}")
    return failures


@pytest.mark.parametrize("username", USERS)
def test_hostile_input_to_every_route_never_answers_500(app, client, auth, username):
    if username != ANONYMOUS:
        response = auth.login(username, DEMO_PASSWORD)
        assert response.status_code == 302, f"{username} could not log in"
    failures = _hostile_calls(app, client)
    assert not failures, f"{username} got server errors:\n" + "\n".join(failures)
    result = verify_chain(audit.iter_rows(), audit.head())
    assert result.ok, f"after {username}'s requests the audit chain breaks: {result.reason}"


def test_the_walk_names_each_route_that_fails_and_what_it_was_sent():
    fake = Flask("fake")
    fake.config["TESTING"] = True

    @fake.post("/items/<int:item_id>/crash")
    def crash(item_id):
        raise ZeroDivisionError("division by zero")

    @fake.get("/broken")
    def broken():
        return "sorry", 503

    @fake.get("/fine/<int:item_id>")
    def fine(item_id):
        return "ok"

    failures = _hostile_calls(fake, fake.test_client())
    assert failures == [
        *(f"POST /items/{i}/crash with the garbage form raised ZeroDivisionError: division by zero"
          for i in IDS),
        *(["GET /broken with the hostile query answered 503"] * len(IDS)),
    ]
