"""The public notice opens each project's public summary; an objector finds their receipt
again by its number and phone; phone fields read full-width digits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.domain.receipts import format_receipt, parse_receipt
from grants.extensions import db
from grants.models import Need, User
from grants.models.awards import Award
from grants.services import awards as award_svc
from grants.services import notices
from tests.factories import make_proposal, make_round
from tests.helpers import create_user, login_as

MONDAY = date(2026, 7, 6)


@pytest.fixture
def notice(app):
    """A published notice of one resident team's project answering one need."""
    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhanggl", "resident", display_name="张桂兰")
    funding_round = make_round("notice")
    proposal = make_proposal(funding_round, applicant, status="scored", title="银龄助餐")
    proposal.contact_phone = "13811112222"
    need = Need(round_id=funding_round.id, author_id=applicant.id,
                community_id=proposal.community_id, category="助老", title="独居老人吃饭难",
                description="…")
    proposal.needs = [need]
    db.session.commit()
    award_svc.propose_awards(funding_round.id, [Candidate(proposal.id, 1, proposal.title,
                                                          Decimal("88.5"), 1_000_000)], organizer)
    return notices.publish_notice(funding_round.id, organizer, today=MONDAY)


def _award(notice) -> Award:
    return db.session.scalar(select(Award).where(Award.notice_id == notice.id))


def test_a_notice_row_opens_the_public_project_summary(client, notice):
    award = _award(notice)
    url = f"/notices/{notice.id}/awards/{award.id}"
    assert f'href="{url}"' in client.get(f"/notices/{notice.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "银龄助餐" in page and "东山社区" in page and "助老" in page
    assert "食材" in page and "¥10,000.00" in page and "独居老人吃饭难" in page
    assert "居民团队（负责人 张**）" in page
    for private in ("13811112222", "张桂兰", "刘建国", "陈秀英"):
        assert private not in page


def test_a_project_is_found_only_on_its_own_notice(client, notice):
    award = _award(notice)
    assert client.get(f"/notices/{notice.id + 1}/awards/{award.id}").status_code == 404
    assert client.get(f"/notices/{notice.id}/awards/{award.id + 1}").status_code == 404


@pytest.fixture
def filed(notice):
    """An anonymous objection with a phone typed in full-width digits."""
    return notices.file_objection(_award(notice).id, "预算偏高", name="李四",
                                  phone="１３９ １２３４ ５６７８", today=MONDAY)


def test_the_phone_is_stored_in_its_canonical_form(filed):
    assert filed.phone == "13912345678"


FOUND = {  # how people type the receipt number and the phone back
    "as printed": (lambda o: format_receipt(o.id), "13912345678"),
    "lower case, +86 and dashes": (lambda o: format_receipt(o.id).lower(), "+86 139-1234-5678"),
    "full-width": (lambda o: f"ＹＹ－{o.id:06d}", "１３９１２３４５６７８"),
    "bare number, spaced phone": (lambda o: str(o.id), "139 1234 5678"),
}
NOT_FOUND = {
    "wrong phone": (lambda o: format_receipt(o.id), "13912345679"),
    "wrong number": (lambda o: format_receipt(o.id + 1), "13912345678"),
    "no number": (lambda o: "YY-", "13912345678"),
    "no phone": (lambda o: format_receipt(o.id), ""),
}


def test_an_objector_finds_their_receipt_by_number_and_phone(client, filed):
    for case, (number_of, phone) in FOUND.items():
        response = client.post("/notices/receipt",
                               data={"number": number_of(filed), "phone": phone})
        assert response.status_code == 303, case
        assert response.headers["Location"].endswith(f"/notices/objections/{filed.token}"), case


def test_a_wrong_number_or_phone_finds_nothing(client, filed):
    for case, (number_of, phone) in NOT_FOUND.items():
        response = client.post("/notices/receipt",
                               data={"number": number_of(filed), "phone": phone})
        assert response.status_code == 404, case
        assert "没有找到回执编号和联系电话都相符的异议" in response.get_data(as_text=True), case


def test_an_objection_filed_from_an_account_is_not_found_by_phone(client, notice):
    resident = create_user("liujg", "resident", phone="13912345678")
    objection = notices.file_objection(_award(notice).id, "重复申报", user=resident, today=MONDAY)
    response = client.post("/notices/receipt", data={"number": format_receipt(objection.id),
                                                     "phone": "13912345678"})
    assert response.status_code == 404


@pytest.mark.parametrize(("typed", "number"), [
    ("YY-000123", 123), ("yy000123", 123), ("123", 123), (" ＹＹ－０００１２３ ", 123),
    ("YY-000000", None), ("XX-000123", None), ("", None), ("YY-1234567890", None),
])
def test_receipt_numbers_are_read_as_people_type_them(typed, number):
    assert parse_receipt(typed) == number


def test_registration_reads_a_full_width_phone(client, app):
    response = client.post("/auth/register", data={
        "username": "wangwu", "display_name": "王五", "phone": "１３８ ００１３ ８０００",
        "password": "Correct-Horse-9", "confirm": "Correct-Horse-9"})
    assert response.status_code in (302, 303)
    assert db.session.scalar(select(User.phone).where(User.username == "wangwu")) == "13800138000"


def test_the_receipt_lookup_page_is_public(client):
    page = client.get("/notices/receipt").get_data(as_text=True)
    assert 'name="number"' in page and 'name="phone"' in page


def test_a_logged_in_visitor_reads_the_summary_too(client, notice):
    create_user("liujg", "resident")
    login_as(client, "liujg")
    assert client.get(f"/notices/{notice.id}/awards/{_award(notice).id}").status_code == 200
