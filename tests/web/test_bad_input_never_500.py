"""Hostile input sent to every route and every form, by every kind of user, on the full demo
data, on SQLite and on PostgreSQL: never a 500, and a refusal changes nothing.

The demo seed gives every route real objects to aim at (rounds, needs, proposals, sheets,
awards, notices, objections). Each route is called, by each kind of user, with each class of
hostile value the platform must refuse at its edge (:data:`CLASSES`): ids past the database's
integer range, numbers of 100,000 digits, NUL and other control characters, text made only of
invisible characters, more rows than a form holds, the old mixed garbage, and strings made by
hypothesis. A second test posts every form a user is shown, with the form's own fields.

After every answer of 400 or more the row count of every table and the audit head are what they
were before the request: a refused request wrote nothing half-done. The audit chain verifies at
the end of each test.

On PostgreSQL every kind of user visits; on SQLite a visitor, the organizer and a resident do
(:data:`SQLITE_USERS`). Each kind of user works on its own copy of the seeded demo (seeded once per database and
session, copied once per user), shared by that user's tests; a test is one route × one user, so
a failure names the database, the user, the route, the class and the value sent.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from grants import config, create_app
from grants.demo import DEMO_PASSWORD
from grants.domain.audit import verify_chain
from grants.extensions import db
from grants.services import DB_INT_MAX, audit
from tests.conftest import IsolatedClient, make_test_app, pg_copy, pg_drop
from tests.helpers import AuthActions

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
QUERY_KEYS = ("page", "round_id", "round", "community", "category", "status", "sort", "q",
              "actor", "object_type", "object_id", "from", "to", "size", "first", "second",
              "index", "overdue", "answered", "year", "award_id", "next")
"""Every query-string key a page reads (filters, paging, proofs, the audit search)."""
FORM_KEYS = (*GARBAGE, "username", "password", "display_name", "name", "email", "code",
             "amount_yuan", "unit_price", "beneficiary_count", "matching_funds", "value_date",
             "vote_open", "vote_close", "submission_open", "submission_close", "max_points",
             "judges_per_proposal", "contact_name", "contact_phone", "background")
"""Every form key worth filling with one class of value (the garbage keys and common fields)."""
PAST_DB = str(DB_INT_MAX + 1)
LONG_NUMBER = "9" * 100_000
ROWS = 60
"""More rows than any form holds (budget lines, activities and team members stop at 50)."""


def _rows(value: str) -> dict[str, str]:
    """Repeating-row fields past every form's limit, each filled with ``value``."""
    fields = {}
    for index in range(ROWS):
        for name in ("budget-{}-item", "budget-{}-unit_price", "budget-{}-quantity",
                     "budget-{}-cost_category", "activities-{}-activity", "team-{}-name",
                     "criteria-{}-name", "criteria-{}-max_points"):
            fields[name.format(index)] = value
    return fields


CLASSES = {
    "int past 2**31": PAST_DB,
    "100,000 digits": LONG_NUMBER,
    "NUL and control characters": "abc\x00def\x01\x1b[31m\x7f",
    "zero-width only": "\u200b\u200c\ufeff\u2060",
    "too many rows": "1",
    "the old garbage": GARBAGE,
}
"""Each hostile class: the one value every field (or query key) of a request carries."""
FULL = os.environ.get("HOSTILE_FULL") == "1"
"""``HOSTILE_FULL=1`` sends every class to every route as every user (about 25 minutes on
two cores). By default each route × user gets the classes of a Latin square: for every route
the users between them send every class, and every user sends every class across routes."""
HOSTILE_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.from_regex(
    r"\A[0-9０-９²³¹٠-٩,.\-eE]{1,30}\Z")
"""Hypothesis strings: any Unicode text, and number-like text mixing digit systems."""
ANONYMOUS = "anonymous"
USERS = (ANONYMOUS, "admin", "organizer", "judge1", "resident1", "org1", "auditor", "finance1")
"""One account of each role, and a visitor: each visits the PostgreSQL copy."""
SQLITE_USERS = (ANONYMOUS, "organizer", "resident1")
"""Who visits the SQLite copy too: SQLite has no integer range to overflow and the same code
answers on both, so three kinds of user there (a visitor, staff and a resident, each sent
their own classes) keep the suite inside its time; ``HOSTILE_FULL=1`` sends everyone."""
NOT_CALLED = ("static", "bootstrap.static", "auth.logout", "main.set_language")
"""Static files, and the two routes that would end the visit or change its language."""
FILES = re.compile(r"\.(pdf|zip|xlsx|csv|jsonl|json|<fmt>)$")
RECORDED_REFUSALS = {"/auth/login": {"login_attempt", "audit_entry", "audit head"},
                     "/account/two-factor": {"login_attempt", "audit_entry", "audit head"}}
"""Refusals that are recorded on purpose: a failed sign-in counts towards throttling and is
audited. Nothing else may change when a request is refused."""


def _routes() -> list[tuple[str, str]]:
    """``(endpoint, rule)`` of every route that is called, known at collection time."""
    app = create_app(config.TestConfig("sqlite://", INSTANCE_PATH=tempfile.mkdtemp()))
    return [(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint not in NOT_CALLED]


ROUTES = _routes()


@dataclass
class Visit:
    """One user's visit on one database: the app, a logged-in client and what it was sent."""

    database: str
    username: str
    app: Flask
    client: IsolatedClient
    forms: dict[str, set[str]] = field(default_factory=dict)
    """The POST forms of the pages the visit was shown: action → field names."""

    def login(self) -> None:
        """Log in again (a hostile request may have ended the visit)."""
        if self.username != ANONYMOUS:
            response = AuthActions(self.client).login(self.username, DEMO_PASSWORD)
            assert response.status_code == 302, f"{self.username} could not log in"


def _state() -> tuple:
    """Row counts of every table and the audit head: what a refusal must leave unchanged."""
    tables = db.metadata.sorted_tables
    counts = db.session.execute(select(*[
        select(func.count()).select_from(table).scalar_subquery().label(table.name)
        for table in tables])).one()
    db.session.rollback()
    head = audit.head()
    return dict(zip((table.name for table in tables), counts, strict=True)), head


def _changed(before: tuple, after: tuple, path: str) -> str:
    """Which tables' counts (or the audit head) differ, bar what a refusal of ``path`` records
    on purpose; empty when nothing else did."""
    tables = [name for name, count in before[0].items() if after[0].get(name) != count]
    if before[1] != after[1]:
        tables.append("audit head")
    allowed = RECORDED_REFUSALS.get(path, set())
    return ", ".join(name for name in tables if name not in allowed)


def _open_visit(database: str, username: str, demo_template, folder, request):
    """A user's visit on a private copy of the demo data (a generator: the second ``next``
    closes it). The PDF cache is shared by all visits, as ``demo_app`` shares it, so the fonts
    are derived once."""
    if database == "sqlite":
        path = folder / "grants.db"
        path.write_bytes(demo_template.read_bytes())
        url, name = f"sqlite:///{path}", None
    else:
        name, url = pg_copy(request.getfixturevalue("pg_demo_template"))
    cache = os.environ.get("PDF_CACHE_DIR") or str(folder.parent / "pdf-cache")
    application = make_test_app(url, folder, RATELIMIT_ENABLED=False, PDF_CACHE_DIR=cache)
    application.test_client_class = IsolatedClient
    with application.app_context():
        current = Visit(database, username, application, application.test_client())
        current.login()
        yield current
        db.session.remove()
        db.engine.dispose()
    if name:
        pg_drop(name)


VISITS = [("sqlite", u) for u in (USERS if FULL else SQLITE_USERS)] + [
    ("postgresql", u) for u in USERS]


@pytest.fixture(scope="module", params=VISITS,
                ids=lambda p: f"{p[0]}-{p[1]}")
def visit(request, demo_template, tmp_path_factory):
    """A user's visit on a private copy of the demo data, shared by that user's tests."""
    database, username = request.param
    folder = tmp_path_factory.mktemp(f"hostile-{database}-{username}")
    yield from _open_visit(database, username, demo_template, folder, request)


def _substitute(rule: str, value: int | str) -> str:
    """Replace ``<int:name>`` by ``value`` and any other converter by ``x``."""
    path = re.sub(r"<int:[^<>]+>", str(value), rule)
    return re.sub(r"<[^<>]+>", "x", path)


def _methods(app: Flask, endpoint: str) -> list[str]:
    """The methods the endpoint's rule accepts, bar HEAD and OPTIONS."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


class Probe:
    """Sends requests for one visit and collects each failure, described in full."""

    def __init__(self, current: Visit) -> None:
        self.visit = current
        self.failures: list[str] = []
        self.state: tuple | None = None

    def send(self, method: str, path: str, what: str, query=None, data=None):
        """One request; a 500, an exception or a refusal that changed something is a failure."""
        before = self.state or _state()
        self.state = None
        try:
            if method == "GET":
                response = self.visit.client.get(path, query_string=query, buffered=True)
            else:
                response = self.visit.client.open(path, method=method, data=data, buffered=True)
        except Exception as error:  # TESTING propagates what would be a 500 in production
            self.failures.append(f"{method} {path} with {what} raised "
                                 f"{type(error).__name__}: {str(error)[:200]}")
            db.session.rollback()
            return None
        if response.status_code == 200 and response.mimetype == "text/html":
            _record_forms(self.visit, path, response.get_data(as_text=True))
        if response.status_code >= 500:
            self.failures.append(f"{method} {path} with {what} answered {response.status_code}")
        elif response.status_code >= 400:
            after = _state()
            if changed := _changed(before, after, path):
                self.failures.append(f"{method} {path} with {what} was refused "
                                     f"({response.status_code}) yet changed: {changed}")
            self.state = after
        return response

    def send_class(self, method: str, path: str, name: str, value) -> None:
        """Every query key (GET) or form key (other methods) set to ``value`` (the garbage
        class is a whole form and query of its own)."""
        if isinstance(value, dict):
            self.send(method, path, name, query=HOSTILE_QUERY, data=value)
            return
        if method == "GET":
            self.send(method, path, f"{name} in the query", query=dict.fromkeys(QUERY_KEYS, value))
            return
        data = dict.fromkeys(FORM_KEYS, value)
        if name == "too many rows":
            data.update(_rows(value))
        self.send(method, path, f"{name} in the form", data=data)


def _classes_for(endpoint: str, username: str) -> list[str]:
    """The classes this route × user sends: all of them with ``HOSTILE_FULL=1``, else the one
    cell of the Latin square (route index + user index, modulo the number of classes)."""
    names = [*CLASSES, "hypothesis"]
    if FULL:
        return names
    row = [e for e, _rule in ROUTES].index(endpoint) + USERS.index(username)
    return [names[row % len(names)]]


def _probe_route(current: Visit, endpoint: str, rule: str) -> list[str]:
    """Send one route its hostile classes, with an id past the database range first (to its
    first method: the id is refused by routing, whatever the method)."""
    probe = Probe(current)
    for index, method in enumerate(_methods(current.app, endpoint)):
        if "<int:" in rule and index == 0:
            value = DB_INT_MAX + 1
            response = probe.send(method, _substitute(rule, value), f"id {value}")
            if response is not None and response.status_code != 404:
                probe.failures.append(f"{method} {_substitute(rule, value)} answered "
                                      f"{response.status_code}, not 404")
        path = _substitute(rule, 1)
        if method == "GET" and not FILES.search(rule):
            probe.send(method, path, "no query (the page as shown)")
        for name in _classes_for(endpoint, current.username):
            if name == "hypothesis":
                _probe_with_hypothesis(probe, method, path)
            else:
                probe.send_class(method, path, name, CLASSES[name])
    return probe.failures


def _probe_with_hypothesis(probe: Probe, method: str, path: str) -> None:
    """A few hypothesis-made strings in every field of one request each."""

    @settings(max_examples=3 if FULL else 1, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(text=HOSTILE_TEXT)
    def send(text):
        probe.send_class(method, path, f"hypothesis text {text!r}", text)

    send()


@pytest.mark.parametrize(("endpoint", "rule"), ROUTES, ids=[f"{e} {r}" for e, r in ROUTES])
def test_hostile_input_to_a_route_never_answers_500(visit, endpoint, rule):
    failures = _probe_route(visit, endpoint, rule)
    if visit.username != ANONYMOUS and visit.client.get("/me/").status_code != 200:
        visit.login()
    who = f"{visit.username} on {visit.database}"
    assert not failures, f"{who} got server errors or half-done refusals:\n" + "\n".join(failures)
    result = verify_chain(audit.iter_rows(), audit.head())
    assert result.ok, f"after {who}'s requests the audit chain breaks: {result.reason}"


class _Forms(HTMLParser):
    """The POST forms of a page: each action with the names of its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        """Open a form, or note a field of the open one."""
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self._current = (values.get("action") or "", [])
            self.forms.append(self._current)
        elif (tag in ("input", "select", "textarea") and self._current
              and values.get("name") and values.get("type") != "file"):
            self._current[1].append(values["name"])

    def handle_endtag(self, tag):
        """Close the open form."""
        if tag == "form":
            self._current = None


def _record_forms(current: Visit, path: str, page: str) -> None:
    """Note the POST forms of a page the visit was shown (the action, else the page itself)."""
    parser = _Forms()
    parser.feed(page)
    for action, names in parser.forms:
        target = (action or path).split("?")[0].split("#")[0]
        if target.startswith("/") and not target.startswith(("/auth/logout", "/lang/")):
            current.forms.setdefault(target, set()).update(names)


def _forms_shown(current: Visit) -> dict[str, tuple[str, ...]]:
    """Every POST form the user was shown by the route test (each GET page with id 1), or on
    a walk of those pages when this test runs alone."""
    if not current.forms:
        for endpoint, rule in ROUTES:
            if "GET" in _methods(current.app, endpoint) and not FILES.search(rule):
                Probe(current).send("GET", _substitute(rule, 1), "no query")
    return {target: tuple(sorted(names - {"csrf_token"}))
            for target, names in current.forms.items()}


def _more_rows(names: tuple[str, ...], value: str) -> dict[str, str]:
    """Each repeating row prefix (``budget-0-item``) extended past every form's limit."""
    extra = {}
    for name in names:
        if match := re.fullmatch(r"([a-z_]+)-\d+-([a-z_]+)", name):
            for index in range(ROWS):
                extra[f"{match[1]}-{index}-{match[2]}"] = value
    return extra


def test_every_form_shown_refuses_hostile_values_without_500(visit):
    forms = _forms_shown(visit)
    probe = Probe(visit)
    for target, names in sorted(forms.items()):
        for name, value in CLASSES.items():
            if isinstance(value, dict):
                continue
            data = dict.fromkeys(names, value)
            if name == "too many rows":
                data.update(_more_rows(names, value))
            probe.send("POST", target, f"{name} in its fields {', '.join(names)}", data=data)
        if visit.username != ANONYMOUS and visit.client.get("/me/").status_code != 200:
            visit.login()
            probe.state = None  # signing in again is no refusal's doing
    who = f"{visit.username} on {visit.database}"
    assert forms, f"{who} was shown no form"
    assert not probe.failures, f"{who}'s forms failed:\n" + "\n".join(probe.failures)
    result = verify_chain(audit.iter_rows(), audit.head())
    assert result.ok, f"after {who}'s forms the audit chain breaks: {result.reason}"


def test_the_probe_names_each_route_that_fails_and_what_it_was_sent(app):
    fake = Flask("fake")
    fake.config["TESTING"] = True

    @fake.post("/items/<int:item_id>/crash")
    def crash(item_id):
        raise ZeroDivisionError("division by zero")

    @fake.get("/broken")
    def broken():
        return "sorry", 503

    fake.test_client_class = IsolatedClient
    probe = Probe(Visit("sqlite", ANONYMOUS, fake, fake.test_client()))
    probe.send("POST", "/items/1/crash", "the garbage form", data=GARBAGE)
    probe.send("GET", "/broken", "the hostile query", query=HOSTILE_QUERY)
    assert probe.failures == [
        "POST /items/1/crash with the garbage form raised ZeroDivisionError: division by zero",
        "GET /broken with the hostile query answered 503",
    ]
