"""The expense pages through the browser's eyes: every route × role answers as expected, bad
input gets a Chinese message naming the limit with a 4xx and changes nothing, a refused upload
keeps what was typed, receipts stay with their grantee, the finance queue sorts by flags and
bulk-accepts only unflagged expenses, exports and ZIPs open, charts obey the CSP, and each
change through the web is audited once with the role used."""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from grants.domain.clock import local_date
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Award
from grants.models.expenses import BudgetAdjustment, Clawback, Expense, ExpenseReceipt, Refund
from grants.services import DB_INT_MAX
from grants.services import expenses as svc
from tests.expenses_support import form, line_ids, move, pay, pdf, people, png, signed_award
from tests.factories import make_org
from tests.helpers import audit_count, create_user, login_as

ANONYMOUS = "anonymous"
VISITORS = (ANONYMOUS, "owner", "other", "judge", "organizer", "finance", "auditor", "admin")
USERNAMES = {"owner": "zhangguilan", "other": "lisi", "organizer": "wangmin",
             "finance": "caiwu1", "judge": "judge_x", "auditor": "auditor_x", "admin": "admin_x"}
STAFF = ("organizer", "finance", "auditor", "admin")


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture
def who(app):
    found = people()
    create_user("judge_x", "judge")
    create_user("auditor_x", "auditor")
    create_user("admin_x", "admin")
    return found


@pytest.fixture
def world(who):
    """The owner's award (¥5,000 paid) with one submitted expense and its receipt, a requested
    budget adjustment beyond the tolerance, and another grantee's award."""
    award = signed_award(who)
    pay(award, 500_000, who)
    expense = svc.submit_expense(who.grantee, award.id, form(award), [("发票.pdf", pdf("a"))])
    adjustment = svc.request_adjustment(who.grantee, award.id, {
        "from_line_id": line_ids(award)[0], "to_line_id": line_ids(award)[1],
        "amount": "1500", "reason": "宣传物料增加"})
    other = signed_award(who, grantee=who.other, title="楼道微更新")
    pay(other, 500_000, who)
    return {"A": award.id, "R": award.round_id, "E": expense.id,
            "F": expense.receipts[0].id, "J": adjustment.id, "other": other.id}


def key() -> str:
    return secrets.token_urlsafe(16)


def post(client, url: str, data: dict | None = None, files=()):
    """A form post as the browser sends it: fields, a fresh idempotency key, files."""
    body = {"idempotency_key": key(), **(data or {})}
    if files:
        body["receipts"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=body, content_type="multipart/form-data")


def call(client, method: str, path: str, data: dict | None):
    """A GET (read to the end, streamed exports included) or a form post."""
    return client.get(path, buffered=True) if method == "GET" else post(client, path, data)


def visit(client, visitor: str) -> None:
    if visitor != ANONYMOUS:
        assert login_as(client, USERNAMES[visitor]).status_code == 302


def expense_count() -> int:
    return db.session.scalar(select(func.count(Expense.id)))


def changes_since(before: int) -> list[str]:
    """The audit actions written after ``before``, sign-ins and sign-outs left out."""
    return [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq))
        if not e.action.startswith("auth.")]


def text_of(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------- route × role

SENT_TO_LOGIN = 302
#: (method, path template, form data, expected status per visitor). Each visitor runs on a
#: fresh database, so one allowed change (finance's accept) cannot affect another's answer.
#: POSTs carry empty or harmless forms: an allowed visitor gets the service's refusal. The one
#: change that goes through (finance accepting E) comes last, as the rows before expect E open.
ROUTES = [
    ("GET", "/expenses/awards/{A}", None,
     dict(owner=200, other=404, judge=404, organizer=200, finance=200, auditor=200, admin=200)),
    ("POST", "/expenses/awards/{A}", {},
     dict(owner=422, other=404, judge=404, organizer=404, finance=404, auditor=404, admin=404)),
    ("POST", "/expenses/{E}/resubmit", {},
     dict(owner=409, other=404, judge=404, organizer=404, finance=404, auditor=404, admin=404)),
    ("POST", "/expenses/awards/{A}/adjustments", {},
     dict(owner=422, other=404, judge=404, organizer=404, finance=404, auditor=404, admin=404)),
    ("GET", "/expenses/receipts/{F}", None,
     dict(owner=200, other=404, judge=404, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/awards/{A}/receipts.zip", None,
     dict(owner=200, other=404, judge=404, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/awards/{A}/spending", None,
     dict(owner=403, other=403, judge=403, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/rounds/{R}", None,
     dict(owner=403, other=403, judge=403, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/rounds/{R}/receipts.zip", None,
     dict(owner=403, other=403, judge=403, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/rounds/{R}/expenses.xlsx", None,
     dict(owner=403, other=403, judge=403, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/rounds/{R}/expenses.csv", None,
     dict(owner=403, other=403, judge=403, organizer=200, finance=200, auditor=200, admin=200)),
    ("GET", "/expenses/queue", None,
     dict(owner=403, other=403, judge=403, organizer=403, finance=200, auditor=200, admin=403)),
    ("POST", "/expenses/{E}/reject", {},
     dict(owner=403, other=403, judge=403, organizer=403, finance=422, auditor=403, admin=403)),
    ("POST", "/expenses/{E}/query", {},
     dict(owner=403, other=403, judge=403, organizer=403, finance=422, auditor=403, admin=403)),
    ("POST", "/expenses/queue/accept", {},
     dict(owner=403, other=403, judge=403, organizer=403, finance=400, auditor=403, admin=403)),
    ("POST", "/expenses/awards/{A}/suspend", {},
     dict(owner=403, other=403, judge=403, organizer=422, finance=403, auditor=403, admin=422)),
    ("POST", "/expenses/awards/{A}/refund", {},
     dict(owner=403, other=403, judge=403, organizer=422, finance=422, auditor=403, admin=422)),
    ("POST", "/expenses/awards/{A}/clawback", {},
     dict(owner=403, other=403, judge=403, organizer=422, finance=422, auditor=403, admin=422)),
    ("POST", "/expenses/awards/{A}/bar", {},
     dict(owner=403, other=403, judge=403, organizer=409, finance=403, auditor=403, admin=409)),
    ("POST", "/expenses/awards/{A}/close", {},
     dict(owner=403, other=403, judge=403, organizer=409, finance=403, auditor=403, admin=409)),
    ("POST", "/expenses/adjustments/{J}/decide", {},
     dict(owner=403, other=403, judge=403, organizer=422, finance=403, auditor=403, admin=422)),
    ("POST", "/expenses/rounds/{R}/threshold", {},
     dict(owner=403, other=403, judge=403, organizer=422, finance=403, auditor=403, admin=422)),
    ("POST", "/expenses/{E}/accept", {},
     dict(owner=403, other=403, judge=403, organizer=403, finance=302, auditor=403, admin=403)),
]


def test_the_table_names_every_route_of_the_blueprint(app):
    rules = {(method, rule.rule) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("expenses.") for method in rule.methods - {"HEAD",
                                                                                     "OPTIONS"}}
    named = {(method, re.sub(r"\{(\w)\}", lambda m: "<int:>", path)) for method, path, *_ in ROUTES}
    assert {(m, re.sub(r"<int:\w+>", "<int:>", r)) for m, r in rules} == named


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_answers_each_visitor_as_expected(client, world, visitor):
    visit(client, visitor)
    wrong = []
    for method, template, data, expected in ROUTES:
        path = template.format(**world)
        response = call(client, method, path, data)
        want = SENT_TO_LOGIN if visitor == ANONYMOUS else expected[visitor]
        if response.status_code != want or (visitor == ANONYMOUS and "/auth/login" not in
                                            response.headers.get("Location", "")):
            wrong.append(f"{visitor} {method} {path}: {response.status_code}, expected {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("visitor", ["owner", "organizer", "finance"])
def test_ids_past_the_database_integer_range_are_not_found(client, world, visitor):
    visit(client, visitor)
    before = audit_count()
    huge = str(DB_INT_MAX + 1)
    for method, template, data, expected in ROUTES:
        if "{" not in template or expected[visitor] == 403:
            continue
        path = re.sub(r"\{\w+\}", huge, template)
        response = call(client, method, path, data)
        assert response.status_code == 404, (visitor, method, path, response.status_code)
    assert [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before))] == []


# ------------------------------------------------------------------------------ bad input


RECEIPT = pdf("new")


def _submit(client, world, files=(("发票.pdf", RECEIPT),), **fields):
    """Post the report form of the owner's award: a valid expense unless ``fields`` spoil it."""
    data = {"budget_line_id": str(line_ids(db.session.get(Award, world["A"]))[0]),
            "spent_on": local_date().isoformat(), "amount": "800", "payee": "东山农贸市场",
            "description": "社区食堂采购蔬菜", **fields}
    return post(client, f"/expenses/awards/{world['A']}", data, files)


@pytest.mark.parametrize(("amount", "says"), [
    ("0", "¥15,000.00"),
    ("-5", "¥15,000.00"),
    ("15000.01", "¥15,000.00"),
    ("abc", "¥15,000.00"),
    ("1" * 100_000, "¥15,000.00"),
    ("12.345", "两位小数"),
])
def test_a_bad_amount_is_refused_naming_the_limit_and_keeps_what_was_typed(
        client, world, amount, says):
    visit(client, "owner")
    before, expenses_before = audit_count(), expense_count()
    response = _submit(client, world, amount=amount, description="采购独居老人午餐食材")
    page = text_of(response)
    assert response.status_code == 422
    assert says in page
    assert "采购独居老人午餐食材" in page and "东山农贸市场" in page
    assert audit_count() == before and expense_count() == expenses_before


def test_an_amount_above_what_is_left_on_the_line_is_reported_and_flagged(client, world):
    visit(client, "owner")
    assert _submit(client, world, amount="9000").status_code == 302
    page = text_of(client.get(f"/expenses/awards/{world['A']}"))
    assert "认可后将超出本科目调整后预算" in page
    assert "本科目支出超出调整后预算的容差" in page


@pytest.mark.parametrize(("fields", "says", "status"), [
    ({"payee": "东山\x00市场"}, "控制字符", 422),
    ({"description": "采购\x00"}, "控制字符", 422),
    ({"budget_line_id": str(DB_INT_MAX + 1)}, "预算科目", 422),
    ({"budget_line_id": "abc"}, "预算科目", 422),
    ({"spent_on": "2026-13-45"}, "支出日期", 422),
    ({"spent_on": "9" * 100_000}, "支出日期", 422),
    ({"invoice_code": "12345", "invoice_number": "1234"}, "10 位或 12 位", 422),
    ({"payee": "收" * 101}, "100 个字", 422),
])
def test_other_bad_fields_are_refused_beside_their_input(client, world, fields, says, status):
    visit(client, "owner")
    before, expenses_before = audit_count(), expense_count()
    response = _submit(client, world, **fields)
    assert response.status_code == status
    assert says in text_of(response)
    assert audit_count() == before and expense_count() == expenses_before


@pytest.mark.parametrize(("name", "content", "says", "status"), [
    ("发票.pdf", b"<html><script>alert(1)</script></html>", "按文件内容识别", 415),
    ("照片.png", b"GIF89a" + b"\0" * 20, "按文件内容识别", 415),
    ("大发票.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "10 MB", 413),
])
def test_a_file_that_is_not_what_it_says_or_too_big_is_refused_and_the_form_kept(
        client, world, name, content, says, status):
    visit(client, "owner")
    before, expenses_before = audit_count(), expense_count()
    receipts = db.session.scalar(select(func.count(ExpenseReceipt.id)))
    response = _submit(client, world, files=[("收据.jpg", b"\xff\xd8\xffok"), (name, content)],
                       payee="金箔路五金店", amount="321.50")
    page = text_of(response)
    assert response.status_code == status
    assert says in page and name in page
    assert "金箔路五金店" in page and "321.50" in page
    assert audit_count() == before and expense_count() == expenses_before
    assert db.session.scalar(select(func.count(ExpenseReceipt.id))) == receipts


def test_several_receipt_files_are_stored_on_one_expense(client, world):
    visit(client, "owner")
    response = _submit(client, world, files=[("发票.pdf", pdf("x1")), ("小票.png", png("x2")),
                                             ("现场.jpg", b"\xff\xd8\xffphoto")])
    assert response.status_code == 302
    newest = db.session.scalars(select(Expense).order_by(Expense.id.desc())).first()
    assert [r.filename for r in newest.receipts] == ["发票.pdf", "小票.png", "现场.jpg"]


def test_bad_settlement_and_adjustment_amounts_name_their_limit(client, world):
    visit(client, "owner")
    award = db.session.get(Award, world["A"])
    first, second = line_ids(award)[:2]
    before = audit_count()
    response = post(client, f"/expenses/awards/{world['A']}/adjustments", {
        "from_line_id": first, "to_line_id": second, "amount": "99999", "reason": "挪用"})
    assert response.status_code == 422 and "¥15,000.00" in text_of(response)
    response = post(client, f"/expenses/awards/{world['A']}/adjustments", {
        "from_line_id": second, "to_line_id": first, "amount": "3000", "reason": "挪用"})
    assert response.status_code == 422 and "可调出" in text_of(response)
    client.post("/auth/logout")
    visit(client, "organizer")
    response = post(client, f"/expenses/awards/{world['A']}/suspend",
                    {"reason": "未按协议实施", "clawback": "6000"})
    assert response.status_code == 422 and "追回金额须在 ¥0.00 至 ¥5,000.00 之间" in text_of(response)
    response = post(client, f"/expenses/awards/{world['A']}/suspend",
                    {"reason": "未按协议实施", "clawback": "-1"})
    assert response.status_code == 422
    assert changes_since(before) == []
    assert db.session.get(Award, world["A"]).status == "implementing"


def test_bulk_ids_that_are_not_ids_change_nothing(client, world):
    visit(client, "finance")
    before = audit_count()
    for ids in (["abc"], [str(DB_INT_MAX + 1)], ["-1"], ["1" * 50], [str(world["E"]), "x"]):
        response = post(client, "/expenses/queue/accept", {"expense_ids": ids})
        assert response.status_code == 400, ids
        assert "本次未做任何更改" in text_of(response)
    assert audit_count() == before


# ------------------------------------------------------------------------------ receipts


def test_a_receipt_of_another_grantee_is_never_served(client, world, who):
    theirs = svc.submit_expense(who.other, world["other"], form(db.session.get(Award,
                                                                              world["other"])),
                                [("他人发票.pdf", pdf("secret"))])
    visit(client, "owner")
    assert client.get(f"/expenses/receipts/{world['F']}").status_code == 200
    assert client.get(f"/expenses/receipts/{theirs.receipts[0].id}").status_code == 404
    assert client.get(f"/expenses/awards/{world['other']}/receipts.zip").status_code == 404
    assert client.get(f"/expenses/awards/{world['other']}").status_code == 404


def test_the_award_zip_holds_every_receipt_and_the_round_zip_every_award(client, world, who):
    svc.submit_expense(who.grantee, world["A"], form(db.session.get(Award, world["A"])),
                       [("a.pdf", pdf("z1")), ("b.png", png("z2"))])
    visit(client, "owner")
    response = client.get(f"/expenses/awards/{world['A']}/receipts.zip")
    names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert response.mimetype == "application/zip" and len(names) == 3
    assert all(name.startswith(f"{world['A']}-") for name in names)
    client.post("/auth/logout")
    visit(client, "auditor")
    response = client.get(f"/expenses/rounds/{world['R']}/receipts.zip")
    assert len(zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()) == 3


# ----------------------------------------------------------------------------- finance queue


def test_the_queue_puts_flagged_expenses_first_and_accepts_unflagged_in_bulk(client, world, who):
    award = db.session.get(Award, world["A"])
    clean = world["E"]
    missing = svc.submit_expense(who.grantee, award.id, form(award, amount="50"), []).id
    shared = pdf("same bytes")
    svc.submit_expense(who.other, world["other"], form(db.session.get(Award, world["other"])),
                       [("共用.pdf", shared)])
    duplicate = svc.submit_expense(who.grantee, award.id, form(award, amount="60"),
                                   [("共用.pdf", shared)]).id
    visit(client, "finance")
    page = text_of(client.get("/expenses/queue"))
    order = [int(n) for n in re.findall(r'<tr id="expense-(\d+)"', page)]
    assert order.index(duplicate) < order.index(missing) < order.index(clean)
    assert "票据文件已在其他支出中使用" in page and "未上传票据" in page
    assert re.search(rf'name="expense_ids" value="{clean}"', page)
    assert not re.search(rf'name="expense_ids" value="{missing}"', page)

    before = audit_count()
    response = post(client, "/expenses/queue/accept", {"expense_ids": [clean, missing]})
    assert response.status_code == 409 and "须逐笔填写理由" in text_of(response)
    assert audit_count() == before
    response = post(client, "/expenses/queue/accept", {"expense_ids": [clean]})
    assert response.status_code == 302
    assert db.session.get(Expense, clean).status == "accepted"


def test_accepting_a_flagged_expense_asks_for_the_reason(client, world, who):
    award = db.session.get(Award, world["A"])
    flagged = svc.submit_expense(who.grantee, award.id, form(award, amount="70"), []).id
    visit(client, "finance")
    page = text_of(client.get("/expenses/queue"))
    assert f'id="accept-reason-{flagged}"' in page and f'id="accept-reason-{world["E"]}"' \
        not in page
    before = audit_count()
    response = post(client, f"/expenses/{flagged}/accept", {"reason": ""})
    assert response.status_code == 422 and "认可须填写理由" in text_of(response)
    assert audit_count() == before
    response = post(client, f"/expenses/{flagged}/accept?flag=flagged",
                    {"reason": "票据已线下核验，补传中"})
    assert response.status_code == 302 and "flag=flagged" in response.headers["Location"]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.actor_role, entry.object_id) == ("expense.accept", "finance",
                                                                 flagged)
    assert audit_count() == before + 1


def test_query_resubmit_and_reject_from_the_pages_audit_once_each(client, world):
    award_url = f"/expenses/awards/{world['A']}"
    visit(client, "finance")
    before = audit_count()
    response = post(client, f"/expenses/{world['E']}/query",
                    {"question": "请补充采购清单", "back": "award"})
    assert response.status_code == 302 and response.headers["Location"].startswith(award_url)
    client.post("/auth/logout")
    visit(client, "owner")
    page = text_of(client.get(award_url))
    assert "请补充采购清单" in page and f'name="e{world["E"]}-answer"' in page
    prefix = f"e{world['E']}-"
    award = db.session.get(Award, world["A"])
    data = {prefix + k: v for k, v in form(award, amount="900").items()}
    response = post(client, f"/expenses/{world['E']}/resubmit", {**data, prefix + "answer": ""})
    assert response.status_code == 422 and "补充说明" in text_of(response)
    response = post(client, f"/expenses/{world['E']}/resubmit",
                    {**data, prefix + "answer": "已附采购清单"})
    assert response.status_code == 302
    client.post("/auth/logout")
    visit(client, "finance")
    response = post(client, f"/expenses/{world['E']}/reject", {"reason": "清单与发票不符"})
    assert response.status_code == 302
    actions = [(e.action, e.actor_role) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before, AuditEntry.object_type == "expense")
        .order_by(AuditEntry.seq))]
    assert actions == [("expense.query", "finance"), ("expense.resubmit", "applicant"),
                       ("expense.reject", "finance")]
    assert db.session.get(Expense, world["E"]).amount_fen == 90_000


# ------------------------------------------------------------------------- adjustments


def test_the_organizer_rules_on_an_adjustment_from_the_round_page(client, world):
    visit(client, "organizer")
    page = text_of(client.get(f"/expenses/rounds/{world['R']}"))
    assert "宣传物料增加" in page
    response = post(client, f"/expenses/adjustments/{world['J']}/decide",
                    {"decision": "refuse", "reason": "", "back": "round"})
    assert response.status_code == 422
    response = post(client, f"/expenses/adjustments/{world['J']}/decide",
                    {"decision": "approve", "reason": "", "back": "round"})
    assert response.status_code == 302 and "/expenses/rounds/" in response.headers["Location"]
    assert db.session.get(BudgetAdjustment, world["J"]).status == "approved"
    visit(client, "owner")
    page = text_of(client.get(f"/expenses/awards/{world['A']}"))
    assert "¥4,500.00" in page and "¥3,500.00" in page


def test_a_small_move_applies_at_once(client, world):
    visit(client, "owner")
    award = db.session.get(Award, world["A"])
    first, second = line_ids(award)[:2]
    response = post(client, f"/expenses/awards/{world['A']}/adjustments", {
        "from_line_id": second, "to_line_id": first, "amount": "100", "reason": "海报印量减少"})
    assert response.status_code == 302
    assert "直接生效" in text_of(client.get(response.headers["Location"]))


# ---------------------------------------------------------------------------- settlement


def test_suspension_with_clawback_then_receipt_then_closure(client, world, who):
    svc.accept_expense(who.finance, world["E"])
    visit(client, "organizer")
    before = audit_count()
    response = post(client, f"/expenses/awards/{world['A']}/suspend",
                    {"reason": "中期检查发现未开展活动", "clawback": "4000"})
    assert response.status_code == 302
    closing = post(client, f"/expenses/awards/{world['A']}/close")
    assert closing.status_code == 409 and "尚未到账" in text_of(closing)
    client.post("/auth/logout")
    visit(client, "finance")
    response = post(client, f"/expenses/awards/{world['A']}/clawback",
                    {"bank_reference": "HK20261201", "value_date": local_date().isoformat()})
    assert response.status_code == 302
    client.post("/auth/logout")
    visit(client, "organizer")
    assert post(client, f"/expenses/awards/{world['A']}/close").status_code == 302
    award = db.session.get(Award, world["A"])
    assert award.status == "closed"
    assert db.session.scalar(select(Clawback.status)) == "received"
    actions = [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq))]
    assert actions[0] == "award.suspend" and actions[-1] == "award.close"
    assert "clawback.record" in actions and "clawback.receive" in actions


def test_a_refund_of_the_unspent_money_settles_the_award(client, world, who):
    svc.accept_expense(who.finance, world["E"])
    award = db.session.get(Award, world["A"])
    move(award, "pass_midterm", who.organizer)
    move(award, "pass_final", who.organizer)
    visit(client, "organizer")
    page = text_of(client.get(f"/expenses/awards/{world['A']}/spending"))
    assert 'value="4000.00"' in page
    response = post(client, f"/expenses/awards/{world['A']}/refund",
                    {"amount": "3999", "bank_reference": "TH1",
                     "value_date": local_date().isoformat()})
    assert response.status_code == 422 and "¥4,000.00" in text_of(response)
    response = post(client, f"/expenses/awards/{world['A']}/refund",
                    {"amount": "4000", "bank_reference": "TH1",
                     "value_date": local_date().isoformat()})
    assert response.status_code == 302
    assert db.session.scalar(select(Refund.amount_fen)) == 400_000
    assert post(client, f"/expenses/awards/{world['A']}/close").status_code == 302
    assert "账目平衡" in text_of(client.get(f"/expenses/awards/{world['A']}/spending"))


def test_an_organisation_is_barred_from_the_spending_page(client, who):
    org = make_org(3)
    member = create_user("orgmember", "org_member", organisation_id=org.id)
    award = signed_award(who, grantee=member, title="邻里守望")
    award.proposal.organisation_id = org.id
    db.session.commit()
    visit(client, "organizer")
    page = text_of(client.get(f"/expenses/awards/{award.id}/spending"))
    assert org.name in page
    response = post(client, f"/expenses/awards/{award.id}/bar", {"years": "3", "reason": ""})
    assert response.status_code == 422
    response = post(client, f"/expenses/awards/{award.id}/bar",
                    {"years": "3", "reason": "挪用项目资金"})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.ban_reason == "挪用项目资金" and org.banned_until is not None


# ------------------------------------------------------------------- exports, charts, CSP


def test_exports_have_chinese_headers_and_exact_amounts(client, world):
    visit(client, "auditor")
    response = client.get(f"/expenses/rounds/{world['R']}/expenses.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("支出编号", "立项编号", "项目名称")
    amount = rows[0].index("金额（元）")
    assert len(rows) == 2 and str(rows[1][amount]) == "1000"
    response = client.get(f"/expenses/rounds/{world['R']}/expenses.csv", buffered=True)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff支出编号,")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[1][amount] == "1000.00" and "待审核" in lines[1]


def test_the_english_reader_still_exports_chinese(client, world):
    visit(client, "auditor")
    client.post("/lang/en", data={"next": "/"})
    text = client.get(f"/expenses/rounds/{world['R']}/expenses.csv", buffered=True).get_data(as_text=True)
    assert "待审核" in text and "支出编号" in text


@pytest.mark.parametrize(("visitor", "path"), [
    ("owner", "/expenses/awards/{A}"),
    ("finance", "/expenses/queue"),
    ("organizer", "/expenses/awards/{A}/spending"),
    ("auditor", "/expenses/rounds/{R}"),
])
def test_pages_draw_svg_charts_without_inline_style_or_script(client, world, visitor, path):
    visit(client, visitor)
    response = client.get(path.format(**world))
    page = text_of(response)
    assert response.status_code == 200
    assert "style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)
    if visitor != "finance":
        assert "<svg viewBox" in page and "<title>" in page


def test_the_agreement_and_round_pages_link_here(client, world):
    award = db.session.get(Award, world["A"])
    visit(client, "owner")
    page = text_of(client.get(f"/awards/agreements/{award.agreement.id}"))
    assert f'href="/expenses/awards/{award.id}"' in page
    client.post("/auth/logout")
    visit(client, "organizer")
    page = text_of(client.get(f"/awards/rounds/{award.round_id}"))
    assert f'href="/expenses/rounds/{award.round_id}"' in page


def test_finance_officers_find_the_queue_in_the_navigation(client, world):
    visit(client, "finance")
    assert 'href="/expenses/queue"' in text_of(client.get("/"))
    client.post("/auth/logout")
    visit(client, "owner")
    assert 'href="/expenses/queue"' not in text_of(client.get("/"))


# ------------------------------------------------------------------------------------ demo


def _demo_round6_awards() -> dict[str, Award]:
    """Round 6's awards by status (one each of closed and suspended, two mid-term)."""
    from grants.demo.finance import ROUND6_NAME
    from grants.models import FundingRound

    round_id = db.session.scalar(select(FundingRound.id).where(FundingRound.name == ROUND6_NAME))
    return {a.status: a for a in db.session.scalars(
        select(Award).where(Award.round_id == round_id).order_by(Award.rank))}


def test_the_demo_shows_every_case_of_round_6(demo_app):
    by_status = _demo_round6_awards()
    closed, suspended = by_status["closed"], by_status["suspended"]
    money = svc.ledgers([closed.id, suspended.id])
    assert money[closed.id].settled and money[closed.id].refunded_fen > 0
    assert money[suspended.id].clawback_fen > 0 and not money[suspended.id].clawback_received_fen
    queue = svc.finance_queue({"round_id": closed.round_id})
    flags = {flag for row in queue.rows for flag in row.flags}
    assert {"duplicate_receipt", "overrun"} <= flags
    assert any(row.expense.status == "resubmitted" and row.expense.answer for row in queue.rows)
    accepted = db.session.scalar(select(func.count(Expense.id)).where(
        Expense.round_id == closed.round_id, Expense.status == "accepted"))
    assert accepted >= 10


def test_seeding_the_demo_again_adds_nothing_and_the_chain_verifies(demo_app):
    runner = demo_app.test_cli_runner()
    counts = (audit_count(), expense_count(), db.session.scalar(select(func.count(Refund.id))))
    result = runner.invoke(args=["seed-demo"])
    assert result.exception is None, result.output
    assert "round 6 expenses: +0" in result.output
    db.session.expire_all()
    assert (audit_count(), expense_count(),
            db.session.scalar(select(func.count(Refund.id)))) == counts
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and verified.output.startswith("OK"), verified.output


@pytest.mark.parametrize("username", ["finance1", "organizer", "auditor"])
def test_the_demo_pages_open_for_staff(demo_app, username):
    from grants.demo import DEMO_PASSWORD
    from tests.conftest import IsolatedClient

    demo_app.test_client_class = IsolatedClient
    client = demo_app.test_client()
    assert login_as(client, username, DEMO_PASSWORD).status_code == 302
    by_status = _demo_round6_awards()
    for award in by_status.values():
        assert client.get(f"/expenses/awards/{award.id}").status_code == 200
        assert client.get(f"/expenses/awards/{award.id}/spending").status_code == 200
    page = client.get(f"/expenses/rounds/{by_status['closed'].round_id}")
    assert page.status_code == 200 and "<svg viewBox" in text_of(page)


def test_the_ledger_partial_shows_spending_by_line_to_staff_only(app, client, world, who):
    from flask import render_template_string
    from flask_login import login_user

    award = db.session.get(Award, world["A"])
    template = '{% include "expenses/_ledger_spending.html" %}'
    with app.test_request_context():
        login_user(who.finance)
        shown = render_template_string(template, award=award)
    with app.test_request_context():
        login_user(who.grantee)
        hidden = render_template_string(template, award=award)
    assert "食材" in shown and f"/expenses/awards/{award.id}/spending" in shown
    assert hidden.strip() == ""


def test_the_file_input_names_the_size_limits_before_sending(client, world):
    visit(client, "owner")
    page = text_of(client.get(f"/expenses/awards/{world['A']}"))
    assert 'data-max-each="10485760"' in page and "data-max-total=" in page
    assert "超过 10 MB：每个票据文件不能超过 10 MB" in page and "“%s”" in page
    assert "js/expenses.js" in page
