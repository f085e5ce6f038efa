"""Changing expenses and budget adjustments: each command is one transaction that locks the
award row first (so every money check sees what the last command committed), checks with the
domain, changes the rows and moves the state through ``lifecycle.apply`` (one audit entry
recording the role used)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from grants.domain.clock import local_date, now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.expenses import (
    REPORTING_AWARD_STATES,
    ExpenseInput,
    LineState,
    adjustment_needs_approval,
    check_acceptance,
    check_adjustment,
    flag_labels,
    parse_expense,
    threshold_problem,
)
from grants.domain.i18n import msg, tr
from grants.domain.inputs import is_digits
from grants.domain.lifecycles import BUDGET_ADJUSTMENT, EXPENSE
from grants.domain.permissions import ORGANIZERS, acting_roles, owns_proposal, role_used
from grants.domain.permissions import expenses as perms
from grants.domain.settlement import read_fen
from grants.domain.workflow import TransitionError, check_reason
from grants.extensions import db
from grants.models import FundingRound
from grants.models.awards import Award
from grants.models.expenses import BudgetAdjustment, Expense, ExpenseReceipt
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.attachments import check_content, clean_filename, store_blob
from grants.services.expenses.figures import flags_of_expense, line_totals
from grants.services.expenses.queries import not_found
from grants.services.lifecycle import apply

MAX_RECEIPTS = 10
"""Receipt files per expense (several pages or photos of one receipt)."""
BULK_MAX = 200


# --- locks -----------------------------------------------------------------------------------


def locked_award(award_id: int) -> Award:
    """Lock the award row for the rest of the transaction (404 when it does not exist)."""
    return locked(Award, award_id, tr(perms.NOT_FOUND))


def _award_id_of(model, row_id: object) -> int:
    """The award a row (expense, adjustment) belongs to, read before locking; else 404."""
    if not is_row_id(row_id):
        raise not_found()
    award_id = db.session.scalar(select(model.award_id).where(model.id == row_id))
    if award_id is None:
        raise not_found()
    return award_id


def _locked_expense(expense_id: int) -> tuple[Award, Expense]:
    """Lock the expense's award, then the expense (always in that order: no deadlocks)."""
    award = locked_award(_award_id_of(Expense, expense_id))
    expense = locked(Expense, expense_id, tr(perms.NOT_FOUND))
    if expense.award_id != award.id:
        raise not_found()
    return award, expense


def _allow(decision: tuple[bool, str], status: int) -> None:
    """Refuse with the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


def _owned(user, award: Award) -> None:
    """Another grantee's award is answered as not found, never as forbidden."""
    if not owns_proposal(user, award.proposal):
        raise not_found()


def _check_finance(actor, award: Award) -> None:
    """A finance officer (403 otherwise) on an award whose expenses may be decided (409)."""
    _allow(perms.can_decide_expenses(actor), 403)
    _allow(perms.can_decide_expenses(actor, award.status), 409)


# --- receipt files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One checked receipt file: its clean name, type read from its bytes, sha256 and bytes."""

    filename: str
    content_type: str
    sha256: str
    data: bytes


def checked_uploads(files: Iterable[tuple[str | None, bytes]]) -> list[Upload]:
    """Check every file like a proposal attachment (type by content, at most 10 MB), naming
    the file in the refusal; empty file inputs are skipped. Nothing is stored here."""
    uploads = []
    for name, data in files or ():
        if not name and not data:
            continue
        try:
            content_type = check_content(data or b"")
        except Refusal as problem:
            raise Refusal(msg("“{name}”：{problem}", name=name or "?", problem=str(problem)),
                          status=problem.status) from problem
        uploads.append(Upload(clean_filename(name, content_type), content_type,
                              hashlib.sha256(data).hexdigest(), data))
    return uploads


def _check_count(existing: int, uploads: list[Upload]) -> None:
    """At most :data:`MAX_RECEIPTS` files on one expense (409)."""
    if existing + len(uploads) > MAX_RECEIPTS:
        raise Refusal(msg("每笔支出最多上传 {max} 个票据文件（已有 {count} 个）",
                          max=MAX_RECEIPTS, count=existing), status=409)


def _attach(expense: Expense, uploads: list[Upload], user) -> list[str]:
    """Store the bytes once by sha256 and link them to the expense; returns the digests."""
    for upload in uploads:
        store_blob(upload.sha256, upload.data)
        expense.receipts.append(ExpenseReceipt(
            sha256=upload.sha256, filename=upload.filename, content_type=upload.content_type,
            size=len(upload.data), uploaded_by_id=user.id))
    return [upload.sha256 for upload in uploads]


# --- reporting -------------------------------------------------------------------------------


def _fields(parsed: ExpenseInput) -> dict[str, object]:
    """The columns an expense form sets."""
    return {
        "budget_line_id": parsed.budget_line_id, "spent_on": parsed.spent_on,
        "amount_fen": parsed.amount_fen, "payee": parsed.payee,
        "description": parsed.description, "invoice_code": parsed.invoice_code,
        "invoice_number": parsed.invoice_number,
    }


def _plain(value: object) -> object:
    """A value as the audit payload stores it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _parsed(award: Award, data: Mapping[str, object], moment: datetime) -> ExpenseInput:
    """The form read against the award's own budget lines and today's date in Beijing."""
    return parse_expense(data, [line.id for line in award.budget_lines], local_date(moment))


def submit_expense(user, award_id: int, data: Mapping[str, object],
                   files: Iterable[tuple[str | None, bytes]] = (),
                   now: datetime | None = None) -> Expense:
    """Report one expense with its receipt files (``(filename, bytes)`` pairs) on an award
    ``user`` owns; audited once as ``expense.submit`` (role ``applicant``).

    Files are checked before anything is locked or stored; a bad form or file changes
    nothing. Flags are not checked here: they never block reporting.
    """
    moment = now_utc(now)
    uploads = checked_uploads(files)
    _check_count(0, uploads)
    with unit_of_work():
        award = locked_award(award_id)
        _owned(user, award)
        _allow(perms.can_report_expense(user, award.proposal, award.status), 409)
        parsed = _parsed(award, data, moment)
        expense = Expense(award_id=award.id, round_id=award.round_id, submitted_by_id=user.id,
                          submitted_at=stored(moment), waiting_since=stored(moment),
                          **_fields(parsed))
        receipts = _attach(expense, uploads, user)
        payload = {key: _plain(value) for key, value in _fields(parsed).items()}
        apply(EXPENSE, expense, "submit", user, owner=True,
              payload={**payload, "award_id": award.id, "receipts": receipts})
    return expense


def resubmit_expense(user, expense_id: int, data: Mapping[str, object],
                     files: Iterable[tuple[str | None, bytes]] = (),
                     now: datetime | None = None) -> Expense:
    """Answer a finance officer's question: correct the expense, add files and send it back
    (``data["answer"]`` is the answer); audited once as ``expense.resubmit``."""
    moment = now_utc(now)
    uploads = checked_uploads(files)
    with unit_of_work():
        award, expense = _locked_expense(expense_id)
        _owned(user, award)
        EXPENSE.step(expense.status, "resubmit", acting_roles(user, owner=True))
        _allow(perms.can_report_expense(user, award.proposal, award.status), 409)
        answer = str(data.get("answer") or "").strip()
        if problem := check_reason(msg("补充说明"), answer):
            raise Refusal(problem, status=422)
        parsed = _parsed(award, data, moment)
        _check_count(len(expense.receipts), uploads)
        changes = {}
        for key, value in _fields(parsed).items():
            if getattr(expense, key) != value:
                changes[key] = [_plain(getattr(expense, key)), _plain(value)]
                setattr(expense, key, value)
        expense.answer = answer
        expense.waiting_since = stored(moment)
        added = _attach(expense, uploads, user)
        apply(EXPENSE, expense, "resubmit", user, owner=True,
              payload={"answer": answer, "changes": changes, "receipts_added": added})
    return expense


# --- finance decisions -----------------------------------------------------------------------


def _accept(actor, expense: Expense, reason: str | None, moment: datetime,
            batch_size: int | None = None) -> tuple[str, ...]:
    """Accept one locked expense: state first, then its flags now, then the reason they need.

    The flags answered and the reason are kept on the expense and in its ``expense.accept``
    entry, so an acceptance above a line or above what was paid always carries its reason.
    """
    EXPENSE.step(expense.status, "accept", acting_roles(actor))
    flags = flags_of_expense(expense)
    text = check_acceptance(flags, reason)
    expense.decided_by_id, expense.decided_at = actor.id, stored(moment)
    expense.decision_reason, expense.accepted_flags = text, list(flags)
    payload: dict[str, object] = {"amount_fen": expense.amount_fen,
                                  "budget_line_id": expense.budget_line_id, "flags": list(flags)}
    if text:
        payload["reason"] = text
    if batch_size is not None:
        payload["batch_size"] = batch_size
    apply(EXPENSE, expense, "accept", actor, payload=payload)
    return flags


def accept_expense(actor, expense_id: int, reason: str | None = None,
                   now: datetime | None = None) -> Expense:
    """A finance officer accepts an expense; a flagged one needs ``reason`` (422 without).

    The award row is locked first, so two officers accepting expenses of one award at once
    are serialised and the second sees the first's acceptance in its flags.
    """
    moment = now_utc(now)
    with unit_of_work():
        award, expense = _locked_expense(expense_id)
        _check_finance(actor, award)
        _accept(actor, expense, reason, moment)
    return expense


def _decide(actor, expense_id: int, action: str, reason: str | None,
            now: datetime | None) -> Expense:
    """Reject or query: the reason (or question) is checked by the table before anything is
    set, then kept on the expense and in its entry."""
    moment = now_utc(now)
    with unit_of_work():
        award, expense = _locked_expense(expense_id)
        _check_finance(actor, award)
        EXPENSE.step(expense.status, action, acting_roles(actor), reason)
        text = (reason or "").strip()
        if action == "reject":
            expense.decided_by_id, expense.decided_at = actor.id, stored(moment)
            expense.decision_reason = text
            apply(EXPENSE, expense, "reject", actor, reason=text,
                  payload={"amount_fen": expense.amount_fen})
        else:
            expense.question = text
            apply(EXPENSE, expense, "query", actor, reason=text,
                  payload={"amount_fen": expense.amount_fen})
    return expense


def reject_expense(actor, expense_id: int, reason: str, now: datetime | None = None) -> Expense:
    """A finance officer refuses an expense with a reason; audited as ``expense.reject``."""
    return _decide(actor, expense_id, "reject", reason, now)


def query_expense(actor, expense_id: int, question: str,
                  now: datetime | None = None) -> Expense:
    """A finance officer asks the grantee a question; audited as ``expense.query``."""
    return _decide(actor, expense_id, "query", question, now)


def _ids(values: Iterable[object]) -> list[int]:
    """Distinct expense ids in ascending order (the one lock order); 400 for anything else."""
    ids = set()
    for value in values or ():
        text = str(value).strip()
        if not is_digits(text) or len(text) > 10 or not is_row_id(int(text)):
            raise Refusal(msg("所选支出编号无效，本次未做任何更改"), status=400)
        ids.add(int(text))
    if not ids:
        raise Refusal(msg("请至少勾选一笔支出"), status=400)
    if len(ids) > BULK_MAX:
        raise Refusal(msg("一次最多批量认可 {max} 笔支出", max=BULK_MAX), status=400)
    return sorted(ids)


def bulk_accept(actor, expense_ids: Iterable[object], now: datetime | None = None) -> list[Expense]:
    """Accept several unflagged expenses at once, all or nothing.

    Awards are locked in id order, then the expenses in id order. Each expense's flags are
    computed after the ones before it were accepted, so the batch cannot push a line or an
    award past its limit unseen: the first flagged expense stops the batch, naming it, and
    nothing changes. One ``expense.accept`` entry per expense.
    """
    ids = _ids(expense_ids)
    moment = now_utc(now)
    with unit_of_work():
        pairs = db.session.execute(
            select(Expense.id, Expense.award_id).where(Expense.id.in_(ids))).all()
        if len(pairs) != len(ids):
            raise Refusal(msg("所选支出中有不存在的记录，本次未做任何更改"), status=404)
        awards = {award_id: locked_award(award_id)
                  for award_id in sorted({award_id for _, award_id in pairs})}
        expenses = [locked(Expense, expense_id, tr(perms.NOT_FOUND)) for expense_id in ids]
        for expense in expenses:
            _check_finance(actor, awards[expense.award_id])
        for expense in expenses:
            _bulk_one(actor, expense, moment, len(expenses))
    return expenses


def _bulk_one(actor, expense: Expense, moment: datetime, size: int) -> None:
    """Accept one expense of a batch, or stop the batch naming it."""
    try:
        EXPENSE.step(expense.status, "accept", acting_roles(actor))
    except TransitionError as error:
        raise Refusal(msg("支出 #{id}：{problem}。本次未做任何更改", id=expense.id,
                          problem=str(error)), status=error.status) from error
    flags = flags_of_expense(expense)
    if flags:
        raise Refusal(msg("支出 #{id} 有提示（{flags}），须逐笔填写理由后认可；批量认可只处理无提示的"
                          "支出，本次未做任何更改", id=expense.id, flags=flag_labels(flags)),
                      status=409)
    _accept(actor, expense, None, moment, batch_size=size)


# --- budget adjustments ----------------------------------------------------------------------


def _line_states(award: Award) -> dict[int, LineState]:
    """Each line of the award: approved, adjusted and accepted (read under the award lock)."""
    return {line_id: LineState(t.approved_fen, t.adjusted_fen, t.accepted_fen)
            for line_id, t in line_totals([award.id]).items()}


def _line_choice(value: object) -> int:
    """A chosen line id, or -1 (which no line has) for anything unreadable."""
    text = str(value if value is not None else "").strip()
    return int(text) if is_digits(text) and len(text) <= 10 else -1


def _adjustment_amount(data: Mapping[str, object]) -> int:
    """The amount to move, as integer fen (``amount_fen``) or typed yuan (``amount``)."""
    return read_fen(data["amount_fen"] if "amount_fen" in data else data.get("amount"))


def request_adjustment(user, award_id: int, data: Mapping[str, object],
                       now: datetime | None = None) -> BudgetAdjustment:
    """The grantee moves money between two budget lines (``from_line_id``, ``to_line_id``,
    ``amount`` in yuan or ``amount_fen``, ``reason``).

    Within the round's tolerance the move is ``record``\\ ed and applies at once; beyond it,
    it is ``request``\\ ed and waits for the organizer. No line goes below what is accepted.
    """
    moment = now_utc(now)
    with unit_of_work():
        award = locked_award(award_id)
        _owned(user, award)
        _allow(perms.can_adjust_budget(user, award.proposal, award.status), 409)
        from_id = _line_choice(data.get("from_line_id"))
        to_id = _line_choice(data.get("to_line_id"))
        amount = _adjustment_amount(data)
        lines = _line_states(award)
        check_adjustment(lines, from_id, to_id, amount)
        threshold = db.session.get(FundingRound, award.round_id).overrun_threshold_pct
        big = adjustment_needs_approval(lines, from_id, to_id, amount, threshold)
        reason = str(data.get("reason") or "").strip()
        adjustment = BudgetAdjustment(award_id=award.id, from_line_id=from_id, to_line_id=to_id,
                                      amount_fen=amount, reason=reason, requested_by_id=user.id,
                                      requested_at=stored(moment),
                                      decided_at=None if big else stored(moment))
        apply(BUDGET_ADJUSTMENT, adjustment, "request" if big else "record", user, owner=True,
              reason=reason, payload={"award_id": award.id, "from_line_id": from_id,
                                      "to_line_id": to_id, "amount_fen": amount,
                                      "threshold_pct": threshold})
    return adjustment


def decide_adjustment(actor, adjustment_id: int, approve: bool, reason: str | None = None,
                      now: datetime | None = None) -> BudgetAdjustment:
    """The organizer approves (the move is checked again against today's spending) or refuses
    (with a reason) a requested adjustment; audited as ``budget_adjustment.approve|refuse``."""
    moment = now_utc(now)
    action = "approve" if approve else "refuse"
    with unit_of_work():
        award = locked_award(_award_id_of(BudgetAdjustment, adjustment_id))
        adjustment = locked(BudgetAdjustment, adjustment_id, tr(perms.NOT_FOUND))
        _allow(perms.can_decide_adjustment(actor), 403)
        BUDGET_ADJUSTMENT.step(adjustment.status, action, acting_roles(actor), reason)
        if approve:
            if award.status not in REPORTING_AWARD_STATES:
                raise Refusal(msg("该项目已结项，不能再调整预算"), status=409)
            check_adjustment(_line_states(award), adjustment.from_line_id,
                             adjustment.to_line_id, adjustment.amount_fen)
        text = (reason or "").strip()
        adjustment.decided_by_id, adjustment.decided_at = actor.id, stored(moment)
        adjustment.decision_reason = text
        payload = {"award_id": award.id, "amount_fen": adjustment.amount_fen}
        if approve and text:
            payload["reason"] = text
        apply(BUDGET_ADJUSTMENT, adjustment, action, actor, reason=text, payload=payload)
    return adjustment


# --- the round's threshold -------------------------------------------------------------------


def save_overrun_threshold(actor, round_id: int, pct: object) -> FundingRound:
    """The organizer sets how far (in %) a line may be passed before ``overrun`` is flagged
    and adjusted without approval; audited as ``round.set_overrun_threshold``."""
    _allow(perms.can_settle(actor), 403)
    text = str(pct).strip() if not isinstance(pct, int) else str(pct)
    value = int(text) if is_digits(text) and len(text) <= 3 else None
    if problem := threshold_problem(value):
        raise Refusal(problem)
    with unit_of_work():
        funding_round = locked(FundingRound, round_id, msg("找不到这个赛事"))
        before = funding_round.overrun_threshold_pct
        funding_round.overrun_threshold_pct = value
        audit.record("round.set_overrun_threshold", "funding_round", funding_round.id,
                     {"from": before, "to": value}, actor=actor,
                     actor_role=role_used(actor, ORGANIZERS))
    return funding_round

