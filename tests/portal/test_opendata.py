"""The 360Giving package: it validates offline against the vendored schemas, a package with a
required field removed fails, money is converted from fen exactly, resident teams are
anonymous individuals, and the CSV carries the same grants."""

from __future__ import annotations

import copy
import csv
import io
import json
from decimal import Decimal

import pytest

from grants.domain import opendata as od
from grants.services.portal import opendata, validation


@pytest.fixture
def package(demo_app):
    """The demo's package as a reader parses it (decimals kept as Decimal)."""
    response = demo_app.test_client().get("/open/data/360giving.json")
    assert response.status_code == 200
    return json.loads(response.data, parse_float=Decimal)


def test_the_demo_package_validates_offline(package):
    assert validation.errors(package) == []
    assert package["version"] == "1.4"
    kinds = {("recipientOrganization" in g, "recipientIndividual" in g) for g in package["grants"]}
    assert kinds == {(True, False), (False, True)}, "the demo has organisations and teams"


@pytest.mark.parametrize("removed", ["title", "id", "currency", "amountAwarded", "awardDate",
                                     "fundingOrganization", "description"])
def test_a_grant_without_a_required_field_fails(package, removed):
    broken = copy.deepcopy(package)
    del broken["grants"][0][removed]
    messages = [error.message for error in validation.errors(broken)]
    assert f"'{removed}' is a required property" in messages


def test_a_package_without_grants_or_a_recipient_fails(package):
    assert validation.errors({k: v for k, v in package.items() if k != "grants"})
    broken = copy.deepcopy(package)
    broken["grants"][0].pop("recipientOrganization", None)
    broken["grants"][0].pop("recipientIndividual", None)
    assert validation.errors(broken)


def test_schema_urls_of_1_4_2_and_1_4_3_resolve_to_the_vendored_files():
    for ref in ("1.4.2", "1.4.3"):
        url = f"https://raw.githubusercontent.com/ThreeSixtyGiving/standard/{ref}/schema/360-giving-schema.json"
        assert validation.registry().contents(url)["properties"]["amountAwarded"]


def test_a_wrong_type_fails(package):
    broken = copy.deepcopy(package)
    broken["grants"][0]["amountAwarded"] = "15000"
    assert validation.errors(broken)


@pytest.mark.parametrize(("fen", "text"), [(1, "0.01"), (1234567, "12345.67"), (500000, "5000.00"),
                                           (1500000, "15000.00"), (99, "0.99"), (10, "0.10")])
def test_fen_become_yuan_digit_for_digit(fen, text):
    assert od.yuan(fen) == Decimal(text)
    assert od.dumps({"a": od.yuan(fen)}) == '{\n  "a": ' + text + "\n}"


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        od.yuan(12.5)
    with pytest.raises(TypeError):
        od.dumps({"a": 0.1})


def test_amounts_match_the_ledger_exactly(demo_app, package):
    facts = {od.grant_id(opendata.prefix(), f.award_id): f for f in opendata.grant_facts()}
    for grant in package["grants"]:
        fact = facts[grant["id"]]
        assert grant["amountAwarded"] * 100 == fact.amount_fen
        assert grant["amountDisbursed"] * 100 == fact.paid_fen
        assert sum(t["value"] for t in grant["disbursementTransaction"]) == grant["amountDisbursed"]
        assert grant["fromOpenCall"] == "Yes"
        assert grant["grantProgramme"][0]["title"] == fact.round_name


def test_resident_teams_are_anonymous_and_organisations_carry_their_code(package):
    for grant in package["grants"]:
        if "recipientIndividual" in grant:
            assert grant["recipientIndividual"]["name"] == od.ANONYMOUS_TEAM
            assert grant["recipientIndividual"]["id"].startswith("360G-jndsmz-IND-")
        else:
            org = grant["recipientOrganization"][0]
            assert org["id"].startswith("CN-USCI-") and len(org["id"]) == len("CN-USCI-") + 18


def test_the_prefix_is_configurable(demo_app):
    demo_app.config["OPEN_DATA_PREFIX"] = "test"
    text = opendata.package_json()
    assert '"360G-test-' in text and "360G-jndsmz" not in text


def test_the_csv_holds_the_same_grants(demo_app, package):
    response = demo_app.test_client().get("/open/data/grants.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(opendata.CSV_HEADER)
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {g["id"] for g in package["grants"]}
    for grant in package["grants"]:
        assert Decimal(by_id[grant["id"]][5]) == grant["amountAwarded"]


def test_no_funded_award_means_no_package(client):
    assert client.get("/open/data/360giving.json").status_code == 404


@pytest.mark.parametrize("award_date", ["下周一", "2025-13-45", "2025-06-01T25:00:00+08:00"])
def test_a_malformed_award_date_fails(package, award_date):
    """Formats are asserted: without a format checker any string passes as a date-time."""
    broken = copy.deepcopy(package)
    broken["grants"][0]["awardDate"] = award_date
    assert validation.errors(broken)


def test_a_malformed_data_source_uri_fails(package):
    broken = copy.deepcopy(package)
    broken["grants"][0]["dataSource"] = "not a uri at all"
    assert validation.errors(broken)


def test_the_description_names_the_configured_publisher(demo_app):
    demo_app.config["OPEN_DATA_PUBLISHER"] = "鼓楼区民政局"
    with demo_app.app_context():
        body = opendata.package(opendata.grant_facts())
    assert body["publisher"]["name"] == "鼓楼区民政局"
    assert body["description"].startswith("鼓楼区民政局")
