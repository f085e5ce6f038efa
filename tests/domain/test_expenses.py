"""Expense rules: amounts (edges, non-numbers, absurd lengths), invoices, dates, every flag,
acceptance reasons, budget adjustments, the lifecycles and who may do what."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import pytest

from grants.domain import expenses as ex
from grants.domain.errors import Refusal
from grants.domain.lifecycles import AWARD, BUDGET_ADJUSTMENT, CLAWBACK, EXPENSE
from grants.domain.permissions import acting_roles
from grants.domain.permissions import expenses as perms
from grants.domain.workflow import TransitionError

TODAY = date(2026, 12, 1)
LINES = [11, 12, 13]


def _form(**fields):
    data = {"budget_line_id": "11", "spent_on": "2026-11-20", "amount": "1,234.56",
            "payee": "东山农贸市场", "description": "助餐食材"}
    data.update(fields)
    return data


# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fen"), [("0.01", 1), ("15000", 1_500_000),
                                           ("15,000.00", 1_500_000), ("￥１２３.４", 12_340),
                                           ("88元", 8_800)])
def test_amounts_inside_the_limits_are_read_as_fen(text, fen):
    assert ex.parse_amount(text) == fen


@pytest.mark.parametrize(("text", "words"), [
    ("0", "必须大于 ¥0.00"), ("0.00", "必须大于 ¥0.00"), ("-1", "必须大于 ¥0.00"),
    ("－５", "必须大于 ¥0.00"), ("15000.01", "超过上限 ¥15,000.00"),
    ("1e5", "科学计数法"), ("十块", "不是有效的金额"), ("12.345", "两位小数"), ("", "请输入金额"),
    (None, "请输入金额"), ("9" * 24, "超过上限 ¥15,000.00"),
])
def test_bad_amounts_are_refused_naming_the_limits(text, words):
    with pytest.raises(Refusal) as refused:
        ex.parse_amount(text)
    assert refused.value.status == 422 and words in str(refused.value)
    assert "¥0.01 至 ¥15,000.00" in str(refused.value)
    assert refused.value.problems[0].field == "amount"


def test_100000_digits_are_refused_before_any_conversion():
    digits = "1" * 100_000
    started = time.perf_counter()
    with pytest.raises(Refusal, match="¥15,000.00"):
        ex.parse_amount(digits)
    with pytest.raises(Refusal, match="¥15,000.00"):
        ex.parse_expense(_form(amount=digits), LINES, TODAY)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("fen", [0, -1, 1_500_001, 1.5, True, "100"])
def test_amount_in_fen_must_be_a_whole_number_in_range(fen):
    assert ex.amount_problem(fen)


# --- the expense form --------------------------------------------------------------------------


def test_a_good_form_is_read_into_typed_values():
    parsed = ex.parse_expense(_form(invoice_code="0320 0210 0011", invoice_number="12345678"),
                              LINES, TODAY)
    assert parsed == ex.ExpenseInput(11, date(2026, 11, 20), 123_456, "东山农贸市场", "助餐食材",
                                     "032002100011", "12345678")
    assert ex.parse_expense(_form(amount_fen=500), LINES, TODAY).amount_fen == 500


@pytest.mark.parametrize(("fields", "field"), [
    ({"budget_line_id": "99"}, "budget_line_id"), ({"budget_line_id": "x"}, "budget_line_id"),
    ({"budget_line_id": "1" * 30}, "budget_line_id"), ({"spent_on": "2026/11/20"}, "spent_on"),
    ({"spent_on": "2026-02-30"}, "spent_on"), ({"spent_on": "2026-12-02"}, "spent_on"),
    ({"payee": " "}, "payee"), ({"payee": "收" * 101}, "payee"),
    ({"description": ""}, "description"), ({"amount_fen": 0}, "amount"),
    ({"invoice_code": "12345"}, "invoice_code"), ({"invoice_number": "1234567"}, "invoice_number"),
    ({"invoice_number": "12345678"}, "invoice_code"),
    ({"invoice_code": "1234567890", "invoice_number": ""}, "invoice_number"),
    ({"invoice_code": "1234567890", "invoice_number": "1" * 20}, "invoice_code"),
])
def test_each_form_problem_names_its_input(fields, field):
    with pytest.raises(Refusal) as refused:
        ex.parse_expense(_form(**fields), LINES, TODAY)
    assert field in [problem.field for problem in refused.value.problems]


def test_a_fully_digital_invoice_has_a_20_digit_number_and_no_code():
    parsed = ex.parse_expense(_form(invoice_number="2632 0000 0000 1234 5678"), LINES, TODAY)
    assert (parsed.invoice_code, parsed.invoice_number) == ("", "26320000000012345678")


def test_a_date_outside_the_period_is_not_a_form_problem_but_a_flag():
    parsed = ex.parse_expense(_form(spent_on="2020-01-01"), LINES, TODAY)
    assert ex.is_outside_period(parsed.spent_on, date(2026, 7, 1), date(2026, 12, 31))


# --- flags -------------------------------------------------------------------------------------

CLEAN = ex.ExpenseFacts(
    amount_fen=100_000, spent_on=date(2026, 9, 1), period_start=date(2026, 7, 1),
    period_end=date(2026, 12, 31), line_adjusted_fen=600_000, line_accepted_fen=0,
    line_pending_fen=100_000, award_accepted_fen=0, spendable_fen=500_000, threshold_pct=10,
    receipt_count=1,
)


def test_a_clean_expense_has_no_flag():
    assert ex.flags_of(CLEAN) == ()


@pytest.mark.parametrize(("changes", "flag"), [
    ({"award_accepted_fen": 400_001}, "above_paid"),
    ({"spendable_fen": 99_999}, "above_paid"),
    ({"line_accepted_fen": 500_001}, "over_line"),
    ({"line_pending_fen": 660_001}, "overrun"),
    ({"receipt_reused": True}, "duplicate_receipt"),
    ({"invoice_reused": True}, "duplicate_invoice"),
    ({"spent_on": date(2026, 6, 30)}, "outside_period"),
    ({"spent_on": date(2027, 1, 1)}, "outside_period"),
    ({"receipt_count": 0}, "missing_receipt"),
])
def test_each_flag_is_raised_by_its_own_fact(changes, flag):
    assert flag in ex.flags_of(replace(CLEAN, **changes))


@pytest.mark.parametrize(("changes", "flag"), [
    ({"award_accepted_fen": 400_000}, "above_paid"),
    ({"line_accepted_fen": 500_000}, "over_line"),
    ({"line_pending_fen": 660_000}, "overrun"),
    ({"spent_on": date(2026, 7, 1)}, "outside_period"),
    ({"spent_on": date(2026, 12, 31)}, "outside_period"),
])
def test_flags_stop_exactly_at_their_limit(changes, flag):
    assert flag not in ex.flags_of(replace(CLEAN, **changes))


def test_overrun_follows_the_round_threshold_and_over_line_does_not():
    facts = replace(CLEAN, line_accepted_fen=550_000, line_pending_fen=100_000)
    assert ex.flags_of(facts) == ("over_line",)
    assert ex.flags_of(replace(facts, threshold_pct=5)) == ("overrun", "over_line")
    assert ex.flags_of(replace(facts, threshold_pct=0, line_pending_fen=50_001)) == (
        "overrun", "over_line")
    assert ex.beyond_tolerance(1, 0, 100)


def test_flags_come_most_serious_first_and_sort_the_queue():
    flags = ex.flags_of(replace(CLEAN, receipt_count=0, award_accepted_fen=500_000))
    assert flags == ("above_paid", "missing_receipt")
    ranked = sorted([(), ("missing_receipt",), ("above_paid",), flags], key=ex.flag_rank)
    assert ranked == [flags, ("above_paid",), ("missing_receipt",), ()]
    assert set(ex.FLAGS) == set(ex.FLAG_LABELS)


def test_a_flagged_expense_is_accepted_only_with_a_reason():
    assert ex.check_acceptance((), None) == ""
    assert ex.check_acceptance((), " 已核对 ") == "已核对"
    for reason in (None, "", "   "):
        with pytest.raises(Refusal) as refused:
            ex.check_acceptance(("above_paid", "overrun"), reason)
        assert refused.value.status == 422
        assert "认可支出将超过已拨付金额" in str(refused.value)
    with pytest.raises(Refusal, match="500"):
        ex.check_acceptance(("over_line",), "理" * 501)
    assert ex.check_acceptance(("over_line",), "按合同追加") == "按合同追加"


# --- budget adjustments ------------------------------------------------------------------------

STATE = {1: ex.LineState(600_000, 600_000, 100_000), 2: ex.LineState(200_000, 200_000, 0),
         3: ex.LineState(0, 0, 0)}


def test_adjusted_amounts_apply_every_move():
    assert ex.adjusted_amounts({1: 600_000, 2: 200_000}, [(1, 2, 50_000), (2, 1, 10_000)]) == {
        1: 560_000, 2: 240_000}


def test_a_move_within_the_threshold_of_both_lines_needs_no_approval():
    assert not ex.adjustment_needs_approval(STATE, 1, 2, 20_000, 10)
    assert ex.adjustment_needs_approval(STATE, 1, 2, 20_001, 10)
    assert ex.adjustment_needs_approval(STATE, 1, 3, 1, 10)  # a line approved at ¥0
    assert not ex.adjustment_needs_approval(STATE, 1, 2, 40_000, 20)


@pytest.mark.parametrize(("source", "target", "amount", "words"), [
    (1, 1, 100, "不能相同"), (1, 9, 100, "预算科目"), (1, 2, 0, "必须大于"),
    (1, 2, 500_001, "¥5,000.00"), (3, 1, 1, "¥0.00"),
])
def test_a_move_is_between_two_lines_and_never_below_accepted(source, target, amount, words):
    with pytest.raises(Refusal, match=words):
        ex.check_adjustment(STATE, source, target, amount)


def test_thresholds_are_whole_percentages():
    assert ex.threshold_problem(0) is None and ex.threshold_problem(100) is None
    for bad in (-1, 101, 10.5, True, None):
        assert ex.threshold_problem(bad)


# --- lifecycles and permissions ----------------------------------------------------------------


class Person:
    is_authenticated = True

    def __init__(self, *roles, user_id=7, organisation_id=None):
        self.id, self.roles, self.organisation_id = user_id, frozenset(roles), organisation_id


class Proposal:
    applicant_id, organisation_id = 7, None


def test_the_expense_table_runs_submit_query_resubmit_accept():
    grantee = acting_roles(Person("resident"), owner=True)
    finance = acting_roles(Person("finance", "auditor", user_id=8))
    assert EXPENSE.step(None, "submit", grantee).role == "applicant"
    assert EXPENSE.step("submitted", "query", finance, "请补充").target == "queried"
    assert EXPENSE.step("queried", "resubmit", grantee).target == "resubmitted"
    assert EXPENSE.step("resubmitted", "accept", finance).role == "finance"
    with pytest.raises(TransitionError) as missing:
        EXPENSE.step("submitted", "reject", finance, "")
    assert missing.value.kind == "missing_reason"
    with pytest.raises(TransitionError) as forbidden:
        EXPENSE.step("submitted", "accept", acting_roles(Person("organizer")))
    assert forbidden.value.status == 403
    with pytest.raises(TransitionError):
        EXPENSE.step("accepted", "reject", finance, "x")


def test_adjustments_and_clawbacks_follow_their_tables():
    grantee = acting_roles(Person("resident"), owner=True)
    assert BUDGET_ADJUSTMENT.step(None, "record", grantee, "小额调剂").target == "approved"
    assert BUDGET_ADJUSTMENT.step(None, "request", grantee, "调剂").target == "requested"
    organizer = acting_roles(Person("organizer"))
    assert BUDGET_ADJUSTMENT.step("requested", "approve", organizer).target == "approved"
    with pytest.raises(TransitionError):
        BUDGET_ADJUSTMENT.step("requested", "approve", grantee)
    assert CLAWBACK.step("outstanding", "receive", acting_roles(Person("finance"))).role \
        == "finance"


@pytest.mark.parametrize("state", ["agreement_signed", "implementing", "midterm_passed",
                                   "final_passed"])
def test_the_organizer_suspends_with_a_reason_from_any_state_money_may_be_paid_in(state):
    organizer = acting_roles(Person("organizer"))
    assert AWARD.step(state, "suspend", organizer, "项目停滞").target == "suspended"
    with pytest.raises(TransitionError) as missing:
        AWARD.step(state, "suspend", organizer, "")
    assert missing.value.kind == "missing_reason"
    assert AWARD.step("suspended", "close", organizer).target == "closed"
    with pytest.raises(TransitionError):
        AWARD.step("confirmed", "suspend", organizer, "x")


def test_who_may_report_decide_and_see():
    owner, other = Person("resident"), Person("resident", user_id=9)
    finance, auditor = Person("finance", user_id=3), Person("auditor", user_id=4)
    assert perms.can_report_expense(owner, Proposal, "implementing")[0]
    assert not perms.can_report_expense(owner, Proposal, "closed")[0]
    assert not perms.can_report_expense(other, Proposal, "implementing")[0]
    assert not perms.can_report_expense(finance, Proposal, "implementing")[0]
    assert perms.can_decide_expenses(finance, "suspended")[0]
    assert not perms.can_decide_expenses(finance, "closed")[0]
    assert not perms.can_decide_expenses(owner)[0]
    assert perms.can_view_expenses(auditor, Proposal)[0]
    assert perms.can_view_receipt(owner, Proposal)[0]
    assert not perms.can_view_receipt(other, Proposal)[0]
    assert not perms.can_view_receipt(None, Proposal)[0]
    assert perms.can_record_returned_money(finance)[0]
    assert not perms.can_settle(finance)[0] and perms.can_settle(Person("admin"))[0]
    assert perms.can_export_round(auditor)[0] and not perms.can_export_round(owner)[0]
    assert perms.can_decide_adjustment(Person("organizer"))[0]
    assert not perms.can_decide_adjustment(finance)[0]
    assert perms.can_adjust_budget(owner, Proposal, "midterm_passed")[0]
    assert not perms.can_adjust_budget(owner, Proposal, "confirmed")[0]
