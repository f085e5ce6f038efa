"""The finance pages: who gets what on every route, the payment steps through the web (with
their idempotency keys), the four-eyes rule on the form and on the page, refused input that
changes nothing, the grantee's own view, the gate and plan forms, the voucher, exports and
the chart."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from grants.domain.awards import Candidate
from grants.domain.numerals import capital_numerals
from grants.extensions import db
from grants.models.awards import Tranche
from grants.models.payments import Payment, TranchePlanTerm
from grants.services import agreements, audit
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from grants.web.finance.exports import HEADERS
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user, login_as
from tests.web.test_pdf_documents import _text, shared_pdf_cache  # noqa: F401

MONDAY, NEXT_MONDAY = date(2026, 7, 6), date(2026, 7, 13)
BEYOND = str(2**31)
ACCOUNT = "6222021000000001234"


def _key() -> str:
    return secrets.token_urlsafe(24)


def _as(client, username):
    client.post("/auth/logout")
    return login_as(client, username)


@pytest.fixture
def people(app):
    org = make_org(1, name="江宁区阳光助老服务中心")
    return {
        "organizer": create_user("wangmin", "organizer", display_name="王敏"),
        "admin": create_user("root", "admin"),
        "auditor": create_user("sunhua", "auditor", display_name="孙华"),
        "finance1": create_user("lijing", "finance", display_name="财务李静"),
        "finance2": create_user("zhouqiang", "finance", display_name="财务周强"),
        "owner": create_user("orgmember", "org_member", organisation_id=org.id),
        "resident": create_user("zhangguilan", "resident"),
        "other": create_user("other", "resident"),
        "judge": create_user("judge1", "judge"),
        "org": org,
    }


@pytest.fixture
def signed(people):
    """Two countersigned awards: the organisation's (¥12,000) and a resident team's
    (¥10,000). Their first tranches are due."""
    r = make_round("notice", pool_fen=3_000_000)
    p1 = make_proposal(r, people["owner"], status="scored", title="银龄互助食堂",
                       organisation=people["org"])
    p2 = make_proposal(r, people["resident"], status="scored", title="楼道微更新")
    cands = [Candidate(p1.id, 1, p1.title, Decimal("91"), 1_200_000),
             Candidate(p2.id, 2, p2.title, Decimal("88"), 1_000_000)]
    award_svc.propose_awards(r.id, cands, people["organizer"])
    notice = notice_svc.publish_notice(r.id, people["organizer"], today=MONDAY)
    notice_svc.confirm_notice(notice.id, people["organizer"], today=NEXT_MONDAY)
    items = agreements.agreements_of_round(r.id)
    for item, signer in zip(items, (people["owner"], people["resident"]), strict=True):
        agreements.sign_as_applicant(item.id, signer)
        agreements.countersign(item.id, people["organizer"])
    return {"round": r, "awards": [item.award for item in items], "agreements": items}


def _first_tranche(award) -> Tranche:
    return db.session.scalar(select(Tranche).where(Tranche.award_id == award.id,
                                                   Tranche.sequence == 1))


def _request(client, tranche, amount="6000", key=None, **fields):
    data = {"amount": amount, "payee_name": "江宁区阳光助老服务中心", "payee_account": ACCOUNT,
            "idempotency_key": _key() if key is None else key, **fields}
    return client.post(f"/finance/tranches/{tranche.id}/request", data=data)


def _actions_since(seq: int) -> set[str]:
    """The audit actions written after entry ``seq``."""
    from grants.models import AuditEntry

    return set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.seq > seq)))


def _payment_count() -> int:
    return db.session.scalar(select(func.count(Payment.id)))


def _paid_payment(client, signed):
    """finance1 requests, finance2 approves, finance1 records the bank's payment."""
    award = signed["awards"][0]
    tranche = _first_tranche(award)
    _as(client, "lijing")
    assert _request(client, tranche).status_code == 302
    payment = db.session.scalar(select(Payment))
    _as(client, "zhouqiang")
    assert client.post(f"/finance/payments/{payment.id}/approve",
                       data={"idempotency_key": _key()}).status_code == 302
    _as(client, "lijing")
    response = client.post(f"/finance/payments/{payment.id}/mark-paid", data={
        "bank_reference": "JSB20260715000123", "value_date": date.today().isoformat(),
        "paying_account": "32010188000006123456", "idempotency_key": _key()})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    db.session.refresh(payment)
    return payment


# ------------------------------------------------------------------- route × role


READERS = {"organizer": "wangmin", "admin": "root", "auditor": "sunhua", "finance": "lijing"}
OUTSIDERS = {"resident": "zhangguilan", "org_member": "orgmember", "judge": "judge1"}
FINANCE_ONLY = {"finance": "lijing"}
FINANCE_AND_AUDIT = {"finance": "lijing", "auditor": "sunhua"}
ORGANIZERS = {"organizer": "wangmin", "admin": "root"}
STAFF_READERS = {**ORGANIZERS, "auditor": "sunhua"}


def _get_routes(signed, payment):
    award, round_id = signed["awards"][0], signed["round"].id
    return [
        ("/finance/", FINANCE_AND_AUDIT),
        ("/finance/rounds/", READERS),
        (f"/finance/rounds/{round_id}", READERS),
        (f"/finance/awards/{award.id}", READERS),
        (f"/finance/payments/{payment.id}/voucher.pdf", READERS),
        (f"/finance/rounds/{round_id}/payments.xlsx", READERS),
        (f"/finance/rounds/{round_id}/payments.csv", READERS),
        (f"/finance/rounds/{round_id}/plan", STAFF_READERS),
    ]


def test_every_get_route_answers_each_role_as_declared(signed, client, shared_pdf_cache):  # noqa: F811
    payment = _paid_payment(client, signed)
    everyone = {**READERS, **OUTSIDERS}
    for url, allowed in _get_routes(signed, payment):
        client.post("/auth/logout")
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
        for role, username in everyone.items():
            _as(client, username)
            expected = 200 if role in allowed else 403
            assert client.get(url, buffered=True).status_code == expected, (url, role)


def _post_routes(signed, payment):
    tranche = _first_tranche(signed["awards"][1])
    return [
        (f"/finance/tranches/{tranche.id}/request", FINANCE_ONLY),
        (f"/finance/payments/{payment.id}/approve", FINANCE_ONLY),
        (f"/finance/payments/{payment.id}/reject", FINANCE_ONLY),
        (f"/finance/payments/{payment.id}/cancel", FINANCE_ONLY),
        (f"/finance/payments/{payment.id}/mark-paid", FINANCE_ONLY),
        (f"/finance/payments/{payment.id}/payee", FINANCE_ONLY),
        (f"/finance/tranches/{tranche.id}/meet-gate", ORGANIZERS),
        (f"/finance/rounds/{signed['round'].id}/plan", ORGANIZERS),
    ]


def test_every_post_route_refuses_who_it_should_and_changes_nothing(signed, client):
    award = signed["awards"][0]
    _as(client, "lijing")
    _request(client, _first_tranche(award))
    payment = db.session.scalar(select(Payment))
    before = audit_count()
    for url, allowed in _post_routes(signed, payment):
        client.post("/auth/logout")
        response = client.post(url, data={"idempotency_key": _key(), "reason": "x"})
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
        for role, username in {**READERS, **OUTSIDERS}.items():
            if role in allowed:
                continue
            _as(client, username)
            logins = audit_count()
            response = client.post(url, data={"idempotency_key": _key(), "reason": "理由"})
            assert response.status_code == 403, (url, role)
            assert audit_count() == logins, (url, role)
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert audit.head()[0] >= before


def test_allowed_posts_reach_their_view(signed, client):
    payment_tranche = _first_tranche(signed["awards"][0])
    _as(client, "lijing")
    assert _request(client, payment_tranche).status_code == 302
    payment = db.session.scalar(select(Payment))
    for url, allowed in _post_routes(signed, payment):
        for username in allowed.values():
            _as(client, username)
            response = client.post(url, data={})
            assert response.status_code in (302, 400, 404, 409, 422), (url, username)


def test_the_grantee_sees_its_own_tranches_and_another_grantee_gets_404(signed, client):
    own, other = signed["awards"]
    _as(client, "orgmember")
    page = client.get(f"/finance/grants/{own.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "拨付情况" in body and "¥6,000.00" in body and "待拨付" in body
    assert client.get(f"/finance/grants/{other.id}").status_code == 404
    assert client.get(f"/finance/grants/{BEYOND}").status_code == 404
    agreement = client.get(f"/awards/agreements/{signed['agreements'][0].id}")
    assert "拨付情况" in agreement.get_data(as_text=True)
    for username in ("zhangguilan", "other"):
        _as(client, username)
        assert client.get(f"/finance/grants/{own.id}").status_code == 404, username
    client.post("/auth/logout")
    assert client.get(f"/finance/grants/{own.id}").status_code == 302


# ---------------------------------------------------------------- the payment steps


def test_request_approve_and_pay_through_the_web_with_a_voucher(signed, client, people,
                                                                   shared_pdf_cache):  # noqa: F811
    payment = _paid_payment(client, signed)
    assert payment.status == "paid"
    assert payment.requested_by_id == people["finance1"].id
    assert payment.approved_by_id == people["finance2"].id
    assert payment.paid_by_id == people["finance1"].id
    _as(client, "sunhua")
    page = client.get(f"/finance/awards/{payment.award_id}").get_data(as_text=True)
    assert "财务李静" in page and "财务周强" in page and payment.approval_digest in page
    assert f"/finance/payments/{payment.id}/voucher.pdf" in page
    response = client.get(f"/finance/payments/{payment.id}/voucher.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data).replace("\n", "")
    for expected in ("付款凭证", "财务李静", "财务周强", "江宁区阳光助老服务中心", ACCOUNT,
                     "¥6,000.00", capital_numerals(600_000), "JSB20260715000123",
                     date.today().isoformat(), "银龄互助食堂"):
        assert expected in text, expected
    assert payment.approval_digest[:32] in text
    assert audit.head()[1][:32] in text


def test_a_payment_not_paid_has_no_voucher(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    assert client.get(f"/finance/payments/{payment.id}/voucher.pdf").status_code == 404
    assert client.get(f"/finance/payments/{BEYOND}/voucher.pdf").status_code == 404


def test_the_approve_form_refuses_the_requester_in_chinese_and_changes_nothing(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    before = audit_count()
    response = client.post(f"/finance/payments/{payment.id}/approve",
                           data={"idempotency_key": _key()})
    assert response.status_code == 403
    assert "申请人不能审批自己提交的付款申请" in response.get_data(as_text=True)
    db.session.refresh(payment)
    assert payment.status == "requested" and payment.approved_by_id is None
    assert audit_count() == before


def test_the_requester_sees_no_approve_button_and_why(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    page = client.get(f"/finance/awards/{payment.award_id}").get_data(as_text=True)
    assert f"/finance/payments/{payment.id}/approve" not in page
    assert "申请人不能审批自己提交的付款申请" in page
    _as(client, "zhouqiang")
    page = client.get(f"/finance/awards/{payment.award_id}").get_data(as_text=True)
    assert f"/finance/payments/{payment.id}/approve" in page
    board = client.get("/finance/").get_data(as_text=True)
    assert "银龄互助食堂" in board and "去审批" in board


def test_with_one_finance_officer_nobody_can_approve_and_the_page_says_why(signed, client,
                                                                          people):
    people["finance2"].active = False
    db.session.commit()
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    page = client.get(f"/finance/awards/{payment.award_id}").get_data(as_text=True)
    assert f"/finance/payments/{payment.id}/approve" not in page
    assert "系统中只有一名财务人员" in page and "不设单人豁免" in page
    assert "系统中只有一名财务人员" in client.get("/finance/").get_data(as_text=True)


def test_a_replayed_request_makes_one_payment_and_gets_the_same_answer(signed, client):
    _as(client, "lijing")
    tranche = _first_tranche(signed["awards"][0])
    key = _key()
    first = _request(client, tranche, key=key)
    second = _request(client, tranche, key=key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _payment_count() == 1
    other = _request(client, tranche, amount="5000", key=key)
    assert other.status_code == 422 and _payment_count() == 1
    assert _request(client, tranche, key="").status_code == 400


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "付款金额必须大于零"),
    ("-5", "金额不能为负数"),
    ("99999999999999999999", "金额过大"),
    ("6000.001", "两位小数"),
    ("abc", "不是有效的金额"),
    ("1" * 100_000, "金额过长"),
    ("60\x0000", "不是有效的金额"),
    ("12000.01", "超过本批次尚未拨付"),
])
def test_a_bad_amount_is_refused_clearly_and_changes_nothing(signed, client, amount, message):
    _as(client, "lijing")
    before = audit_count()
    response = _request(client, _first_tranche(signed["awards"][0]), amount=amount)
    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)
    assert _payment_count() == 0 and audit_count() == before


@pytest.mark.parametrize("fields", [
    {"payee_name": "江宁区\x00阳光"},
    {"payee_account": "6222\x00021000000001234"},
    {"payee_name": ""},
    {"payee_name": "名" * 101},
    {"payee_account": "12ab"},
])
def test_a_bad_payee_is_refused_and_changes_nothing(signed, client, fields):
    _as(client, "lijing")
    before = audit_count()
    response = _request(client, _first_tranche(signed["awards"][0]), **fields)
    assert response.status_code == 422
    assert _payment_count() == 0 and audit_count() == before


def test_ids_past_the_database_range_are_404_and_change_nothing(signed, client):
    before = audit_count()
    _as(client, "lijing")
    for url in (f"/finance/tranches/{BEYOND}/request", f"/finance/payments/{BEYOND}/approve",
                f"/finance/payments/{BEYOND}/mark-paid", f"/finance/payments/{BEYOND}/payee"):
        assert client.post(url, data={"idempotency_key": _key()}).status_code == 404, url
    for url in (f"/finance/awards/{BEYOND}", f"/finance/rounds/{BEYOND}",
                f"/finance/rounds/{BEYOND}/payments.csv",
                f"/finance/rounds/{BEYOND}/payments.xlsx"):
        assert client.get(url).status_code == 404, url
    _as(client, "wangmin")
    assert client.post(f"/finance/tranches/{BEYOND}/meet-gate",
                       data={"reason": "x"}).status_code == 404
    assert client.get(f"/finance/rounds/{BEYOND}/plan").status_code == 404
    assert _actions_since(before) <= {"auth.login", "auth.logout"}


def test_reject_and_cancel_need_a_reason(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    before = audit_count()
    for action in ("reject", "cancel"):
        response = client.post(f"/finance/payments/{payment.id}/{action}",
                               data={"idempotency_key": _key(), "reason": ""})
        assert response.status_code == 422 and "请填写理由" in response.get_data(as_text=True)
    assert audit_count() == before
    _as(client, "zhouqiang")
    response = client.post(f"/finance/payments/{payment.id}/reject",
                           data={"idempotency_key": _key(), "reason": "收款账号有误"})
    assert response.status_code == 302
    db.session.refresh(payment)
    assert payment.status == "rejected" and payment.reason == "收款账号有误"
    board = client.get("/finance/").get_data(as_text=True)
    assert "收款账号有误" in board and "已驳回的付款" in board


def test_changing_the_payee_after_approval_voids_it(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    _as(client, "zhouqiang")
    client.post(f"/finance/payments/{payment.id}/approve", data={"idempotency_key": _key()})
    db.session.refresh(payment)
    assert payment.status == "approved"
    _as(client, "lijing")
    response = client.post(f"/finance/payments/{payment.id}/payee", data={
        "payee_name": "另一个收款单位", "payee_account": "6222999900001111",
        "idempotency_key": _key()})
    assert response.status_code == 302
    db.session.refresh(payment)
    assert payment.status == "requested" and payment.approval_digest is None
    response = client.post(f"/finance/payments/{payment.id}/mark-paid", data={
        "bank_reference": "X1", "value_date": date.today().isoformat(),
        "paying_account": "32010188000006123456", "idempotency_key": _key()})
    assert response.status_code == 409


def test_mark_paid_refuses_a_future_value_date_and_a_missing_reference(signed, client):
    _as(client, "lijing")
    _request(client, _first_tranche(signed["awards"][0]))
    payment = db.session.scalar(select(Payment))
    _as(client, "zhouqiang")
    client.post(f"/finance/payments/{payment.id}/approve", data={"idempotency_key": _key()})
    before = audit_count()
    for fields in ({"bank_reference": "", "value_date": "2026-01-01"},
                   {"bank_reference": "R1", "value_date": "not-a-date"},
                   {"bank_reference": "R1", "value_date": (date.today() + timedelta(days=3)).isoformat()}):
        response = client.post(f"/finance/payments/{payment.id}/mark-paid", data={
            "paying_account": "32010188000006123456", "idempotency_key": _key(), **fields})
        assert response.status_code == 422, fields
        page = response.get_data(as_text=True)
        assert 'value="32010188000006123456"' in page, "the typed paying account was lost"
        if fields["bank_reference"]:
            assert 'value="R1"' in page, "the typed bank reference was lost"
    assert audit_count() == before


def test_a_refused_request_shows_the_typed_amount_and_payee_again(signed, client):
    _as(client, "lijing")
    response = _request(client, _first_tranche(signed["awards"][0]), amount="99999999",
                        payee_name="东山街道阳光社工服务中心")
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert 'value="99999999"' in page and 'value="东山街道阳光社工服务中心"' in page


# ------------------------------------------------------------------ gates and plans


def test_the_organizer_records_a_gate_with_a_reason(signed, client):
    award = signed["awards"][0]
    second = db.session.scalar(select(Tranche).where(Tranche.award_id == award.id,
                                                     Tranche.sequence == 2))
    _as(client, "wangmin")
    page = client.get(f"/finance/awards/{award.id}").get_data(as_text=True)
    assert f"/finance/tranches/{second.id}/meet-gate" in page
    assert "/request" not in page  # organizers do not request money
    before = audit_count()
    assert client.post(f"/finance/tranches/{second.id}/meet-gate",
                       data={"reason": ""}).status_code == 422
    assert audit_count() == before
    response = client.post(f"/finance/tranches/{second.id}/meet-gate",
                           data={"reason": "中期评估报告已通过"})
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.status == "due"
    again = client.post(f"/finance/tranches/{second.id}/meet-gate", data={"reason": "再次"})
    assert again.status_code == 409


def test_the_plan_form_needs_100_percent_and_is_refused_after_signing(app, client, people):
    r = make_round("notice")
    _as(client, "wangmin")
    assert "50%" in client.get(f"/finance/rounds/{r.id}/plan").get_data(as_text=True)
    before = audit_count()
    response = client.post(f"/finance/rounds/{r.id}/plan", data={
        "agreement_signed": "60", "midterm_passed": "30", "final_passed": ""})
    assert response.status_code == 422 and "之和应为 100%" in response.get_data(as_text=True)
    response = client.post(f"/finance/rounds/{r.id}/plan", data={"agreement_signed": "abc"})
    assert response.status_code == 422 and "比例请填写" in response.get_data(as_text=True)
    assert audit_count() == before
    response = client.post(f"/finance/rounds/{r.id}/plan", data={
        "agreement_signed": "60", "midterm_passed": "", "final_passed": "40"})
    assert response.status_code == 302
    assert [(t.gate, t.share_bp) for t in db.session.scalars(
        select(TranchePlanTerm).order_by(TranchePlanTerm.sequence))] == [
        ("agreement_signed", 6000), ("final_passed", 4000)]


def test_the_plan_is_frozen_once_an_agreement_is_signed(signed, client):
    round_id = signed["round"].id
    _as(client, "wangmin")
    page = client.get(f"/finance/rounds/{round_id}/plan").get_data(as_text=True)
    assert "拨付计划已锁定" in page
    before = audit_count()
    response = client.post(f"/finance/rounds/{round_id}/plan", data={"agreement_signed": "100"})
    assert response.status_code == 409 and "不能再修改" in response.get_data(as_text=True)
    assert audit_count() == before
    round_page = client.get(f"/awards/rounds/{round_id}").get_data(as_text=True)
    assert f"/finance/rounds/{round_id}/plan" in round_page


# ------------------------------------------------------------ ledgers, exports, chart


def test_overdue_first_tranches_show_their_deadline_and_badge(signed, client):
    agreement = signed["agreements"][1]
    agreement.organizer_signed_at -= timedelta(days=40)
    db.session.commit()
    _as(client, "lijing")
    board = client.get("/finance/").get_data(as_text=True)
    assert "已逾期" in board and "逾期 1" in board
    ledger = client.get(f"/finance/rounds/{signed['round'].id}?overdue=1").get_data(as_text=True)
    assert "楼道微更新" in ledger and "银龄互助食堂" not in ledger and "已逾期" in ledger
    award_page = client.get(f"/finance/awards/{agreement.award_id}").get_data(as_text=True)
    assert "已逾期" in award_page


def test_the_round_ledger_filters_pages_and_refuses_an_unknown_status(signed, client):
    round_id = signed["round"].id
    _as(client, "sunhua")
    page = client.get(f"/finance/rounds/{round_id}").get_data(as_text=True)
    assert "ledger-table" in page and "银龄互助食堂" in page and "楼道微更新" in page
    assert "¥22,000.00" in page  # the round's awarded total
    kept = client.get(f"/finance/rounds/{round_id}?status=agreement_signed&page=-3")
    assert kept.status_code == 200 and "银龄互助食堂" in kept.get_data(as_text=True)
    none = client.get(f"/finance/rounds/{round_id}?status=closed").get_data(as_text=True)
    assert "没有符合条件的项目" in none
    assert client.get(f"/finance/rounds/{round_id}?status=x").status_code == 400
    assert client.get(f"/finance/rounds/{round_id}?page=abc").status_code == 200


def test_the_chart_is_svg_without_inline_style(signed, client):
    _as(client, "lijing")
    for url in ("/finance/rounds/", f"/finance/rounds/{signed['round'].id}"):
        page = client.get(url).get_data(as_text=True)
        svg = page[page.index("<svg"):page.index("</svg>")]
        assert "<rect" in svg and "<title>" in svg
        assert "style" not in svg and "<script" not in svg and "on" + "load" not in svg
    main = page[page.index("<main"):page.index("</main>")]
    assert not re.search(r"\sstyle=", main) and "<script" not in main


def test_exports_have_chinese_headers_and_every_payment(signed, client,
                                                        shared_pdf_cache):  # noqa: F811
    payment = _paid_payment(client, signed)
    round_id = signed["round"].id
    _as(client, "sunhua")
    response = client.get(f"/finance/rounds/{round_id}/payments.csv", buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == HEADERS and "付款金额（元）" in rows[0]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["付款金额（元）"] == "6000.00" and row["付款状态"] == "已付款"
    assert row["申请人"] == "财务李静" and row["审批人"] == "财务周强"
    assert row["审批哈希"] == payment.approval_digest
    response = client.get(f"/finance/rounds/{round_id}/payments.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert tuple(values[0]) == HEADERS and len(values) == 2
    assert Decimal(str(values[1][HEADERS.index("付款金额（元）")])) == Decimal("6000")


def test_the_navigation_offers_finance_to_finance_officers_only(signed, client):
    _as(client, "lijing")
    assert 'href="/finance/"' in client.get("/").get_data(as_text=True)
    _as(client, "zhangguilan")
    assert 'href="/finance/"' not in client.get("/").get_data(as_text=True)

