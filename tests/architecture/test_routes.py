"""Every route declares who may use it (``@requires(policies.X)``), so none is open by omission.

The real app is walked; the check is also shown a fake app, and the real app with one bare
route added, to prove it names the route that forgot its policy.
"""

from __future__ import annotations

from flask import Flask

from grants.domain.permissions import policies
from grants.web.access import requires
from tests.architecture.checks import fail_on, routes_without_policy


def test_every_route_declares_a_policy(app):
    assert len(list(app.url_map.iter_rules())) > 50
    fail_on(routes_without_policy(app), "routes without a policy")


def test_the_check_names_a_route_without_a_policy():
    fake = Flask("fake")

    @fake.get("/guarded")
    @requires(policies.ORGANIZE)
    def guarded():
        return "ok"

    @fake.post("/forgotten/<int:item_id>")
    def forgotten(item_id):
        return "oops"

    assert [str(v) for v in routes_without_policy(fake)] == [
        "route /forgotten/<int:item_id> (forgotten): declares no policy: add @requires"
    ]


def test_the_check_names_a_bare_route_added_to_the_real_app(app):
    app.add_url_rule("/sneaky", "sneaky", lambda: "no policy")
    assert [v.where for v in routes_without_policy(app)] == ["route /sneaky (sneaky)"]
