"""Disbursement rules: four eyes, bound approvals, never past the award, gates and deadlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from grants.domain import idempotency, payments
from grants.domain.errors import Refusal
from grants.domain.lifecycles.payment import PAYMENT
from grants.domain.workflow import TransitionError

CONTENT = payments.PaymentContent(3, 750000, "东山街道阳光社工服务中心", "6222020200001234567",
                                  "2026-12-01T08:00:00.000000Z")


def test_requester_may_not_approve_their_own_payment() -> None:
    with pytest.raises(Refusal) as refused:
        payments.check_four_eyes(requester_id=5, approver_id=5)
    assert refused.value.status == 403 and "另一名财务人员" in str(refused.value)
    payments.check_four_eyes(requester_id=5, approver_id=6)


def test_an_approval_lapses_when_the_payee_account_changes() -> None:
    approved = CONTENT.digest()
    assert payments.approval_holds(approved, CONTENT)
    assert not payments.approval_holds(approved, replace(CONTENT, payee_account="6222020200009999"))
    assert not payments.approval_holds(approved, replace(CONTENT, amount_fen=750001))
    assert not payments.approval_holds(None, CONTENT)


def test_room_names_the_award_what_is_committed_and_what_is_left() -> None:
    payments.check_room(1000000, 500000, 500000)
    with pytest.raises(Refusal) as refused:
        payments.check_room(1000000, 500000, 500001)
    assert refused.value.status == 409
    assert "¥10,000.00" in str(refused.value) and "¥5,000.00" in str(refused.value)


@pytest.mark.parametrize("tranche, award", [("pending", "agreement_signed"), ("due", "suspended"),
                                            ("blocked", "implementing")])
def test_no_money_before_the_gate_or_while_suspended(tranche: str, award: str) -> None:
    with pytest.raises(Refusal):
        payments.check_releasable(tranche, award)


@pytest.mark.parametrize("amount, message", [(0, "大于零"), (-1, "大于零"), (500001, "¥5,000.00")])
def test_request_amounts_are_positive_and_within_the_tranche(amount: int, message: str) -> None:
    with pytest.raises(Refusal) as refused:
        payments.check_request_amount(amount, 500000, 0)
    assert message in str(refused.value)


@pytest.mark.parametrize("account", ["", "1234567", "62220202000012345x", "1" * 41])
def test_payee_accounts_are_digits_of_a_bank_account_length(account: str) -> None:
    with pytest.raises(Refusal):
        payments.check_payee("阳光社工", account)


def test_first_tranche_deadline_counts_15_working_days_after_signing() -> None:
    assert payments.first_tranche_deadline(date(2026, 12, 1)) == date(2026, 12, 22)
    holiday = frozenset({date(2026, 12, 2)})
    assert payments.first_tranche_deadline(date(2026, 12, 1), holiday) == date(2026, 12, 23)
    assert payments.is_overdue(date(2026, 12, 22), date(2026, 12, 23), paid=False)
    assert not payments.is_overdue(date(2026, 12, 22), date(2026, 12, 23), paid=True)


def test_idempotency_replays_refuses_a_changed_request_and_one_in_flight() -> None:
    first = idempotency.fingerprint("POST", "/finance/x", {"amount": ["5000"]}, 1)
    assert idempotency.decide(None, first) == idempotency.NEW
    done = idempotency.StoredKey(first, finished=True)
    assert idempotency.decide(done, first) == idempotency.REPLAY
    other = idempotency.fingerprint("POST", "/finance/x", {"amount": ["5001"]}, 1)
    with pytest.raises(Refusal) as changed:
        idempotency.decide(done, other)
    assert changed.value.status == 422
    with pytest.raises(Refusal) as running:
        idempotency.decide(idempotency.StoredKey(first, finished=False), first)
    assert running.value.status == 409
    assert first == idempotency.fingerprint(
        "POST", "/finance/x", {"csrf_token": ["t"], "amount": ["5000"]}, 1
    )


@pytest.mark.parametrize("key", [None, "", "short", "x" * 101, "has space in it 123", "密钥" * 10])
def test_bad_idempotency_keys_are_refused(key) -> None:
    with pytest.raises(Refusal):
        idempotency.check_key(key)


OFFICERS = (11, 12, 13)


class Disbursement(RuleBasedStateMachine):
    """Any sequence of requests, approvals, payments, rejections, cancellations and gate
    changes, each refused or applied exactly as the service would apply it."""

    def __init__(self) -> None:
        super().__init__()
        self.award_fen = 1000000
        self.award_status = "agreement_signed"
        self.tranches = {1: [500000, "due"], 2: [400000, "pending"], 3: [100000, "pending"]}
        self.payments: dict[int, dict] = {}

    def _committed(self) -> int:
        return payments.committed_fen((p["status"], p["amount"]) for p in self.payments.values())

    def _paid_on(self, tranche: int) -> int:
        return sum(p["amount"] for p in self.payments.values()
                   if p["tranche"] == tranche and p["status"] == "paid")

    def _move(self, payment: dict, action: str, reason: str | None = None) -> bool:
        try:
            payment["status"] = PAYMENT.step(payment["status"], action, {"finance"}, reason).target
        except TransitionError:
            return False
        return True

    @rule(tranche=st.sampled_from([1, 2, 3]), amount=st.integers(-10, 600000),
          officer=st.sampled_from(OFFICERS))
    def request(self, tranche: int, amount: int, officer: int) -> None:
        fen, _ = self.tranches[tranche]
        try:
            payments.check_no_open_payment(
                p["status"] for p in self.payments.values() if p["tranche"] == tranche)
            payments.check_request_amount(amount, fen, self._paid_on(tranche))
        except Refusal:
            return
        step = PAYMENT.step(None, "request", {"finance"})
        self.payments[len(self.payments) + 1] = {
            "tranche": tranche, "amount": amount, "status": step.target,
            "requester": officer, "approver": None, "digest": None,
        }

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), officer=st.sampled_from(OFFICERS))
    def approve(self, data, officer: int) -> None:
        pid = data.draw(st.sampled_from(sorted(self.payments)))
        payment = self.payments[pid]
        if payment["status"] != "requested":
            assert not PAYMENT.can(payment["status"], "approve", {"finance"})
            return
        try:
            payments.check_approval(
                requester_id=payment["requester"], approver_id=officer,
                tranche_status=self.tranches[payment["tranche"]][1],
                award_status=self.award_status, award_fen=self.award_fen,
                committed=self._committed(), amount_fen=payment["amount"],
            )
        except Refusal:
            return
        assert self._move(payment, "approve")
        payment["approver"] = officer

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def mark_paid(self, data) -> None:
        payment = self.payments[data.draw(st.sampled_from(sorted(self.payments)))]
        if self._move(payment, "mark_paid"):
            fen, _ = self.tranches[payment["tranche"]]
            if self._paid_on(payment["tranche"]) >= fen:
                self.tranches[payment["tranche"]][1] = "paid"

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), action=st.sampled_from(["reject", "cancel", "void"]))
    def refuse(self, data, action: str) -> None:
        payment = self.payments[data.draw(st.sampled_from(sorted(self.payments)))]
        if self._move(payment, action, reason="核对后处理") and action == "void":
            payment["approver"] = None

    @rule(tranche=st.sampled_from([2, 3]))
    def meet_gate(self, tranche: int) -> None:
        if self.tranches[tranche][1] == "pending":
            self.tranches[tranche][1] = "due"

    @rule()
    def suspend(self) -> None:
        self.award_status = "suspended"

    @invariant()
    def never_past_the_award(self) -> None:
        assert self._committed() <= self.award_fen

    @invariant()
    def four_eyes_on_every_approval(self) -> None:
        for p in self.payments.values():
            if p["status"] in ("approved", "paid"):
                assert p["approver"] is not None and p["approver"] != p["requester"]

    @invariant()
    def nothing_paid_before_its_gate(self) -> None:
        for p in self.payments.values():
            if p["status"] in ("approved", "paid"):
                assert self.tranches[p["tranche"]][1] in ("due", "paid")


Disbursement.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestDisbursement = Disbursement.TestCase


def test_only_the_first_tranche_has_a_deadline() -> None:
    signed = date(2026, 12, 1)
    assert payments.tranche_deadline("agreement_signed", signed) == date(2026, 12, 22)
    assert payments.tranche_deadline("midterm_passed", signed) is None
    assert payments.tranche_deadline("agreement_signed", None) is None


@pytest.mark.parametrize("reference, value_date, account, message", [
    ("", date(2026, 12, 3), "32010000000012", "流水号"),
    ("B" * 65, date(2026, 12, 3), "32010000000012", "流水号"),
    ("BOC1", None, "32010000000012", "起息日期"),
    ("BOC1", date(2026, 12, 4), "32010000000012", "晚于今天"),
    ("BOC1", date(2026, 12, 3), "3201", "付款账号"),
])
def test_a_paid_payment_needs_its_whole_bank_record(reference, value_date, account,
                                                    message) -> None:
    with pytest.raises(Refusal) as refused:
        payments.check_bank_record(reference, value_date, account, date(2026, 12, 3))
    assert refused.value.status == 422 and message in str(refused.value)
    payments.check_bank_record("BOC1", date(2026, 12, 3), "3201 0000 0000 12", date(2026, 12, 3))


def test_ledger_totals_count_the_unpaid_part_of_due_tranches() -> None:
    totals = payments.ledger_totals(
        1_000_000,
        [("paid", 500_000, 500_000), ("due", 400_000, 100_000), ("pending", 100_000, 0)],
        [("paid", 500_000), ("paid", 100_000), ("approved", 300_000), ("rejected", 50_000),
         ("requested", 20_000)],
    )
    assert totals == payments.Totals(awarded_fen=1_000_000, due_fen=300_000,
                                     requested_fen=20_000, approved_fen=300_000,
                                     paid_fen=600_000, remaining_fen=400_000)
    assert (totals + totals).paid_fen == 1_200_000
    assert sum([totals], payments.Totals()) == totals


@pytest.mark.parametrize("amount", [1.0, "100", True, None])
def test_money_arrives_as_integer_fen(amount) -> None:
    with pytest.raises(Refusal):
        payments.check_amount_type(amount)
