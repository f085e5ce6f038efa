"""The edge guard on real pages: ids past the database range, control characters, invisible
text, over-long numbers, too many rows and dates out of range are refused, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import BudgetLine, Need
from tests.conftest import IsolatedClient
from tests.factories import make_community, make_round
from tests.helpers import audit_count, create_user, keyed, login_as
from tests.web.test_needs_web import form as need_form
from tests.web.test_proposals_web import draft, form_data, owner, signed_in  # noqa: F401
from tests.web.test_rounds_web import round_form


def _client(application):
    application.test_client_class = IsolatedClient
    return application.test_client()


@pytest.mark.parametrize("path", ["/rounds/2147483648", "/needs/2147483648",
                                  "/open/rounds/9223372036854775808", "/rounds/" + "9" * 5000,
                                  "/proposals/2147483648/withdraw"])
def test_path_ids_past_the_database_range_are_404_on_both_databases(any_app, path):
    client = _client(any_app)
    response = client.post(path) if path.endswith("withdraw") else client.get(path)
    assert response.status_code == 404


def test_query_ids_past_the_database_range_are_an_ignored_filter(any_app):
    response = _client(any_app).get("/needs/", query_string={"community": "2147483648",
                                                            "round": "9223372036854775808"})
    assert response.status_code == 200


def test_the_audit_search_by_a_superscript_digit_is_an_ordinary_search(client):
    create_user("shenji", "auditor")
    login_as(client, "shenji")
    assert client.get("/audit/", query_string={"actor": "²"}).status_code == 200


@pytest.mark.parametrize("data", [{"username": "a\x00b", "password": "x"},
                                  {"username": "zhang", "password": "pw\x00"}])
def test_nul_in_the_login_form_is_refused_and_named(client, data):
    response = client.post("/auth/login", data=data)
    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)


def test_nul_in_a_query_string_is_refused(client):
    response = client.get("/needs/", query_string={"category": "环保\x00"})
    assert response.status_code == 400 and "U+0000" in response.get_data(as_text=True)


def test_a_need_titled_only_with_zero_width_spaces_is_an_empty_title(client):
    funding_round, community = make_round("needs"), make_community()
    create_user("zhang", "resident")
    login_as(client, "zhang")
    response = client.post(f"/needs/new/{funding_round.id}",
                           data=keyed(need_form(community, title="\u200b\u200b\ufeff")))
    assert response.status_code == 400 and "请填写需求标题" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_nul_in_a_team_name_never_reaches_the_json_column(signed_in, draft):  # noqa: F811
    before = audit_count()
    response = signed_in.post(f"/proposals/{draft.id}/edit",
                              data=form_data(**{"team-0-name": "张\x00桂兰", "save": "1"}))
    assert response.status_code == 400 and "U+0000" in response.get_data(as_text=True)
    assert audit_count() == before


def test_a_number_of_100000_digits_is_refused_with_the_limit(signed_in, draft):  # noqa: F811
    lines = (("食材", "materials", "9" * 100_000, "1"),)
    response = signed_in.post(f"/proposals/{draft.id}/edit",
                              data=form_data(lines=lines, save="1"))
    assert response.status_code == 400
    assert "最多 40 位" in response.get_data(as_text=True)


def test_51_budget_lines_are_refused_naming_the_limit_not_cut_to_50(signed_in, draft):  # noqa: F811
    lines = tuple((f"物品{i}", "materials", "100", "1") for i in range(51))
    before = audit_count()
    response = signed_in.post(f"/proposals/{draft.id}/edit", data=form_data(lines=lines, save="1"))
    assert response.status_code == 400
    assert "最多 50 行（提交了 51 行）" in response.get_data(as_text=True)
    assert audit_count() == before
    assert db.session.scalar(select(func.count(BudgetLine.id))) == 0


def test_the_add_row_button_stops_at_the_limit(signed_in, draft):  # noqa: F811
    lines = tuple((f"物品{i}", "materials", "100", "1") for i in range(50))
    page = signed_in.post(f"/proposals/{draft.id}/edit",
                          data=form_data(lines=lines, add_line="1")).get_data(as_text=True)
    assert "budget-49-item" in page and "budget-50-item" not in page
    assert 'data-max-rows="50"' in page


def test_a_row_number_written_in_other_digits_is_no_row(signed_in, draft):  # noqa: F811
    response = signed_in.post(f"/proposals/{draft.id}/edit",
                              data=form_data(**{"budget-²-item": "x", "save": "1"}))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01"])
def test_round_dates_outside_the_range_are_refused_naming_it(client, end):
    create_user("wangmin", "organizer")
    login_as(client, "wangmin")
    response = client.post("/rounds/new", data=round_form(implementation_end=end))
    assert response.status_code == 400
    assert "日期须在 2000-01-01 至 2100-12-31 之间" in response.get_data(as_text=True)


@pytest.mark.parametrize("end", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_round_stored_with_an_extreme_date_still_shows_its_pages(client, end):
    funding_round = make_round("notice", implementation_end=end)
    create_user("wangmin", "organizer")
    for path in ("/", f"/rounds/{funding_round.id}", "/rounds/", "/open/",
                 f"/open/rounds/{funding_round.id}"):
        assert client.get(path).status_code < 500, path
    login_as(client, "wangmin")
    for path in ("/", f"/rounds/{funding_round.id}", "/rounds/", "/me/",
                 f"/followup/rounds/{funding_round.id}", f"/rounds/{funding_round.id}/edit"):
        assert client.get(path).status_code < 500, path
