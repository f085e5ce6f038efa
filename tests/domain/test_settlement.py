"""Settlement rules, and a stateful test of a whole award's money: any sequence of payments,
expenses, decisions, adjustments, suspensions, clawbacks, refunds and closures, each applied
or refused exactly as the services apply them, keeps the books right."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from grants.domain import expenses as ex
from grants.domain import settlement as st_rules
from grants.domain.errors import Refusal
from grants.domain.lifecycles import AWARD, BUDGET_ADJUSTMENT, CLAWBACK, EXPENSE
from grants.domain.lifecycles.expense import ACCEPTED, PENDING_STATES
from grants.domain.settlement import Ledger
from grants.domain.workflow import TransitionError

TODAY = date(2026, 12, 1)


def test_unspent_is_paid_less_accepted_refunded_and_clawed_back():
    ledger = Ledger(paid_fen=500_000, accepted_fen=320_000, refunded_fen=30_000,
                    clawback_fen=50_000)
    assert ledger.unspent_fen == 100_000 and ledger.spendable_fen == 420_000
    assert not ledger.settled


def test_a_refund_is_exactly_the_unspent_amount_once_everything_is_decided():
    ledger = Ledger(paid_fen=500_000, accepted_fen=320_000)
    st_rules.check_refund(ledger, 180_000)
    for wrong in (179_999, 180_001, 0, -1, True):
        with pytest.raises(Refusal, match="¥1,800.00"):
            st_rules.check_refund(ledger, wrong)
    with pytest.raises(Refusal) as pending:
        st_rules.check_refund(Ledger(500_000, 320_000, pending_count=2), 180_000)
    assert pending.value.status == 409 and "2 笔" in str(pending.value)
    with pytest.raises(Refusal, match="没有结余"):
        st_rules.check_refund(Ledger(500_000, 500_000), 1)


def test_a_clawback_is_at_most_paid_less_accepted_and_refunded():
    ledger = Ledger(paid_fen=500_000, accepted_fen=100_000)
    st_rules.check_clawback(ledger, 400_000)
    st_rules.check_clawback(ledger, 0)
    for wrong in (400_001, -1, 1.5):
        with pytest.raises(Refusal, match="¥4,000.00"):
            st_rules.check_clawback(ledger, wrong)
    assert st_rules.max_clawback(Ledger(100, 300)) == 0
    assert st_rules.max_clawback(Ledger(500_000, 100_000, refunded_fen=400_000)) == 0


@pytest.mark.parametrize(("ledger", "words"), [
    (Ledger(500_000, 300_000), "尚有结余 ¥2,000.00"),
    (Ledger(300_000, 350_000), "超过已拨付"),
    (Ledger(500_000, 500_000, pending_count=1), "尚未审核完毕"),
    (Ledger(500_000, 500_000, open_payments=1), "付款正在办理"),
    (Ledger(500_000, 100_000, clawback_fen=400_000), "尚未到账"),
])
def test_closure_says_what_is_missing(ledger, words):
    with pytest.raises(Refusal, match=words) as refused:
        st_rules.check_close(ledger)
    assert refused.value.status == 409


def test_closure_when_the_books_balance():
    st_rules.check_close(Ledger(500_000, 500_000))
    st_rules.check_close(Ledger(500_000, 320_000, refunded_fen=180_000))
    st_rules.check_close(Ledger(500_000, 100_000, clawback_fen=400_000,
                                clawback_received_fen=400_000))
    st_rules.check_close(Ledger(0, 0))


def test_bars_last_whole_years_and_need_a_reason():
    assert st_rules.bar_until(date(2026, 12, 1), 3) == date(2029, 12, 1)
    assert st_rules.bar_until(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert st_rules.check_bar(3, " 挪用资金 ") == "挪用资金"
    for years, reason in ((0, "x"), (11, "x"), ("3", "x"), (3, ""), (3, "长" * 201)):
        with pytest.raises(Refusal):
            st_rules.check_bar(years, reason)


def test_bank_records_and_typed_amounts():
    st_rules.check_bank_record("BR1", TODAY, TODAY)
    for reference, day in (("", TODAY), ("x" * 65, TODAY), ("BR1", None),
                           ("BR1", TODAY + timedelta(days=1))):
        with pytest.raises(Refusal):
            st_rules.check_bank_record(reference, day, TODAY)
    assert st_rules.read_fen("1,800.00") == 180_000 and st_rules.read_fen(5) == 5
    for bad in ("abc", "-1", "1" * 100_000):
        with pytest.raises(Refusal):
            st_rules.read_fen(bad)


# --- the stateful test -------------------------------------------------------------------------

ORIGINAL = {1: 600_000, 2: 200_000, 3: 200_000}
AWARD_FEN = 1_000_000
PERIOD = (date(2026, 7, 1), date(2026, 12, 31))
GRANTEE = frozenset({"applicant", "public"})
FINANCE = frozenset({"finance", "public"})
ORGANIZER = frozenset({"organizer", "public"})
FLOWS = {"implementing": "pass_midterm", "midterm_passed": "pass_final"}


class AwardBooks(RuleBasedStateMachine):
    """One award's money under every command of the expenses and settlement services."""

    def __init__(self) -> None:
        super().__init__()
        self.status = "implementing"
        self.paid = 0
        self.expenses: dict[int, dict] = {}
        self.moves: list[tuple[int, int, int]] = []
        self.requested: dict[int, tuple[int, int, int]] = {}
        self.refunded = 0
        self.clawback: dict | None = None
        self.threshold = 10

    # -- figures, as the services' grouped sums compute them --

    def _adjusted(self) -> dict[int, int]:
        return ex.adjusted_amounts(ORIGINAL, self.moves)

    def _accepted(self, line: int | None = None) -> int:
        return sum(e["amount"] for e in self.expenses.values()
                   if e["status"] == ACCEPTED and line in (None, e["line"]))

    def _pending(self, line: int) -> int:
        return sum(e["amount"] for e in self.expenses.values()
                   if e["status"] in PENDING_STATES and e["line"] == line)

    def _ledger(self) -> Ledger:
        claw = self.clawback or {"amount": 0, "status": None}
        return Ledger(
            paid_fen=self.paid, accepted_fen=self._accepted(), refunded_fen=self.refunded,
            clawback_fen=claw["amount"],
            clawback_received_fen=claw["amount"] if claw["status"] == "received" else 0,
            pending_count=sum(e["status"] in PENDING_STATES for e in self.expenses.values()),
        )

    def _flags(self, expense: dict) -> tuple[str, ...]:
        ledger = self._ledger()
        return ex.flags_of(ex.ExpenseFacts(
            amount_fen=expense["amount"], spent_on=expense["day"], period_start=PERIOD[0],
            period_end=PERIOD[1], line_adjusted_fen=self._adjusted()[expense["line"]],
            line_accepted_fen=self._accepted(expense["line"]),
            line_pending_fen=self._pending(expense["line"]),
            award_accepted_fen=ledger.accepted_fen, spendable_fen=ledger.spendable_fen,
            threshold_pct=self.threshold, receipt_count=expense["receipts"],
        ))

    def _lines(self) -> dict[int, ex.LineState]:
        adjusted = self._adjusted()
        return {line: ex.LineState(ORIGINAL[line], adjusted[line], self._accepted(line))
                for line in ORIGINAL}

    # -- commands --

    @rule(amount=st.integers(1, 600_000))
    def pay(self, amount: int) -> None:
        if self.status in ("suspended", "closed") or self.paid + amount > AWARD_FEN:
            return
        self.paid += amount

    @rule(line=st.sampled_from([1, 2, 3]), amount=st.integers(-100, 1_600_000),
          offset=st.integers(-200, 40), receipts=st.integers(0, 2))
    def submit(self, line: int, amount: int, offset: int, receipts: int) -> None:
        if self.status not in ex.REPORTING_AWARD_STATES or ex.amount_problem(amount):
            return
        step = EXPENSE.step(None, "submit", GRANTEE)
        self.expenses[len(self.expenses) + 1] = {
            "line": line, "amount": amount, "day": PERIOD[1] + timedelta(days=offset),
            "receipts": receipts, "status": step.target, "reason": "", "flags": (),
        }

    @precondition(lambda self: self.expenses)
    @rule(data=st.data(), reason=st.sampled_from([None, "", "已核对原始凭证"]))
    def accept(self, data, reason) -> None:
        expense = self.expenses[data.draw(st.sampled_from(sorted(self.expenses)))]
        if self.status not in ex.DECIDING_AWARD_STATES:
            return
        try:
            EXPENSE.step(expense["status"], "accept", FINANCE)
            flags = self._flags(expense)
            text = ex.check_acceptance(flags, reason)
        except Refusal:
            return
        expense.update(status=ACCEPTED, reason=text, flags=flags)

    @precondition(lambda self: self.expenses)
    @rule(data=st.data(), action=st.sampled_from(["reject", "query", "resubmit"]))
    def decide(self, data, action: str) -> None:
        expense = self.expenses[data.draw(st.sampled_from(sorted(self.expenses)))]
        roles = GRANTEE if action == "resubmit" else FINANCE
        if self.status not in ex.DECIDING_AWARD_STATES:
            return
        with contextlib.suppress(TransitionError):
            expense["status"] = EXPENSE.step(expense["status"], action, roles, "说明").target

    @rule(source=st.sampled_from([1, 2, 3]), to=st.sampled_from([1, 2, 3]),
          amount=st.integers(1, 300_000))
    def adjust(self, source: int, to: int, amount: int) -> None:
        if self.status not in ex.REPORTING_AWARD_STATES:
            return
        lines = self._lines()
        try:
            ex.check_adjustment(lines, source, to, amount)
        except Refusal:
            return
        if ex.adjustment_needs_approval(lines, source, to, amount, self.threshold):
            BUDGET_ADJUSTMENT.step(None, "request", GRANTEE, "调剂")
            self.requested[len(self.requested) + 1] = (source, to, amount)
        else:
            BUDGET_ADJUSTMENT.step(None, "record", GRANTEE, "小额调剂")
            self.moves.append((source, to, amount))

    @precondition(lambda self: self.requested)
    @rule(data=st.data(), approve=st.booleans())
    def decide_adjustment(self, data, approve: bool) -> None:
        key = data.draw(st.sampled_from(sorted(self.requested)))
        move = self.requested.pop(key)
        if not approve or self.status not in ex.REPORTING_AWARD_STATES:
            return
        try:
            ex.check_adjustment(self._lines(), *move)
        except Refusal:
            return
        self.moves.append(move)

    @rule()
    def evaluate(self) -> None:
        if self.status in FLOWS:
            self.status = AWARD.step(self.status, FLOWS[self.status], ORGANIZER).target

    @rule(share=st.integers(0, 120), extra=st.integers(0, 1))
    def suspend(self, share: int, extra: int) -> None:
        ledger = self._ledger()
        amount = st_rules.max_clawback(ledger) * share // 100 + extra
        try:
            AWARD.step(self.status, "suspend", ORGANIZER, "项目停滞")
            st_rules.check_clawback(ledger, amount)
        except Refusal:
            return
        self.status = "suspended"
        if amount:
            step = CLAWBACK.step(None, "record", ORGANIZER, "项目停滞")
            self.clawback = {"amount": amount, "status": step.target}

    @precondition(lambda self: self.clawback)
    @rule()
    def receive_clawback(self) -> None:
        with contextlib.suppress(TransitionError):
            self.clawback["status"] = CLAWBACK.step(self.clawback["status"], "receive",
                                                    FINANCE).target

    @rule()
    def refund(self) -> None:
        if self.status not in st_rules.SETTLING_STATES:
            return
        ledger = self._ledger()
        try:
            st_rules.check_refund(ledger, ledger.unspent_fen)
        except Refusal:
            return
        self.refunded += ledger.unspent_fen

    @rule()
    def close(self) -> None:
        try:
            step = AWARD.step(self.status, "close", ORGANIZER)
            st_rules.check_close(self._ledger())
        except Refusal:
            return
        self.status = step.target

    # -- what must always hold --

    @invariant()
    def at_closure_the_books_balance(self) -> None:
        if self.status == "closed":
            ledger = self._ledger()
            assert ledger.accepted_fen + ledger.refunded_fen + ledger.clawback_received_fen \
                == ledger.paid_fen

    @invariant()
    def no_line_is_passed_without_a_recorded_reason(self) -> None:
        adjusted = self._adjusted()
        for line in ORIGINAL:
            accepted = [e for e in self.expenses.values()
                        if e["status"] == ACCEPTED and e["line"] == line]
            unexplained = sum(e["amount"] for e in accepted if not e["reason"])
            assert unexplained <= adjusted[line]
            if sum(e["amount"] for e in accepted) > adjusted[line]:
                assert any(e["reason"] and "over_line" in e["flags"] for e in accepted)

    @invariant()
    def spending_above_what_was_paid_always_has_a_reason(self) -> None:
        accepted = [e for e in self.expenses.values() if e["status"] == ACCEPTED]
        unexplained = sum(e["amount"] for e in accepted if not e["reason"])
        assert unexplained <= self._ledger().spendable_fen
        if self._accepted() > self._ledger().spendable_fen:
            assert any(e["reason"] and "above_paid" in e["flags"] for e in accepted)

    @invariant()
    def adjustments_keep_the_total_and_never_go_below_accepted(self) -> None:
        adjusted = self._adjusted()
        assert sum(adjusted.values()) == sum(ORIGINAL.values())
        assert all(adjusted[line] >= 0 for line in ORIGINAL)

    @invariant()
    def returned_money_never_exceeds_what_was_not_spent(self) -> None:
        ledger = self._ledger()
        assert ledger.refunded_fen + ledger.clawback_fen <= ledger.paid_fen


AwardBooks.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
TestAwardBooks = AwardBooks.TestCase
