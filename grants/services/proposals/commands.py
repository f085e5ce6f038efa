"""Proposal commands: start a draft, save it, submit or resubmit it, recall it, withdraw it.

Each is one transaction: lock the proposal, check that the person owns it (the one
:func:`~grants.domain.permissions.owns_proposal`: the applicant or a colleague in the applying
organisation) and that the round's window is open, write the typed values, and move the state
with :func:`grants.services.lifecycle.apply`, which writes the one audit entry
``proposal.<action>`` with the role that authorised it. Every command takes an explicit ``now``
so demo data can be seeded inside a round's windows without bypassing any check.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from grants.domain import messages
from grants.domain.budget import BudgetLine, Problem, subtotal, total
from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.money import format_fen
from grants.domain.permissions import owns_proposal
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import (
    check_submission,
    is_submitted,
    normalise_phone,
    submission_action,
)
from grants.extensions import db
from grants.models import BudgetLine as LineRow
from grants.models import FundingRound, Proposal, ProposalVersion
from grants.services import locked, unit_of_work
from grants.services.lifecycle import apply
from grants.services.notifications import notify
from grants.services.proposals.inputs import Parsed, ProposalInput, draft_of, parse_input, read
from grants.services.proposals.queries import get_owned, link_to
from grants.services.rounds import check_phase, rules_of

# ---------------------------------------------------------------------------------------------
# Loading and refusing


def lock_proposal(proposal_id: int) -> Proposal:
    """Load and lock the proposal row for this transaction (FOR UPDATE on PostgreSQL).

    ``populate_existing`` makes a second, waiting request read the state the first one
    committed, which is what makes a double-clicked submit land once.
    """
    return locked(Proposal, proposal_id, tr(perms.NOT_FOUND))


def lock_owned(user, proposal_id: int) -> Proposal:
    """Lock a proposal ``user`` owns; anyone else's is answered as not found, never forbidden."""
    proposal = lock_proposal(proposal_id)
    if not owns_proposal(user, proposal):
        raise Refusal(tr(perms.NOT_FOUND), status=404)
    return proposal


def _allow(decision: tuple[bool, str], status: int = 404) -> None:
    """Refuse with the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


def lock_editable(user, proposal_id: int) -> Proposal:
    """Lock a proposal ``user`` owns and may still change (a draft, or returned): 404 for
    anyone else's, 409 once it can no longer change."""
    proposal = lock_owned(user, proposal_id)
    _allow(perms.can_edit_proposal(user, proposal), status=409)
    return proposal


def _check_window(proposal: Proposal, action: str, now: datetime) -> None:
    """Refuse with the round's own wording when the window for ``action`` is closed."""
    if message := check_phase(proposal.round, action, now):
        raise Refusal(message, status=409)


# ---------------------------------------------------------------------------------------------
# Writing the typed values


def _sync_lines(proposal: Proposal, lines: tuple[BudgetLine, ...]) -> None:
    """Make the stored budget rows match ``lines``, matched by position.

    A row still present is updated in place and keeps its id, new rows are added, and only
    rows beyond the new end are deleted: later records (an award's frozen lines) can name a
    line by id, so a save never re-creates the whole budget.
    """
    rows = list(proposal.lines)
    for position, line in enumerate(lines):
        row = rows[position] if position < len(rows) else LineRow()
        row.position, row.item, row.cost_category = position, line.item, line.cost_category
        row.unit_price_fen, row.quantity = line.unit_price_fen, line.quantity
        row.subtotal_fen = subtotal(line)
        if position >= len(rows):
            proposal.lines.append(row)
    for row in rows[len(lines):]:
        proposal.lines.remove(row)


TEXT_FIELDS = ("title", "category", "background", "objectives", "outcomes", "beneficiaries",
               "contact_name")


def _storable_lines(proposal: Proposal, lines: tuple[BudgetLine, ...],
                    skip: frozenset[str]) -> tuple[BudgetLine, ...]:
    """The typed lines with each item name that cannot be stored kept as it was in that row
    (the reader already leaves an unreadable price at 0 and quantity at 1)."""
    old = list(proposal.lines)
    kept = []
    for index, line in enumerate(lines):
        if f"budget-{index}-item" in skip:
            item = old[index].item if index < len(old) else ""
            line = dataclasses.replace(line, item=item)
        kept.append(line)
    return tuple(kept)


def _write(proposal: Proposal, parsed: Parsed, skip: frozenset[str] = frozenset()) -> None:
    """Write the typed values onto the proposal; the requested amount is the lines' total.

    Inputs named in ``skip`` (those with a problem) keep their stored value, so a partial
    save never stores what could not be read and never loses what could.
    """
    data = parsed.data
    for name in TEXT_FIELDS:
        if name not in skip:
            setattr(proposal, name, getattr(data, name).strip())
    if "contact_phone" not in skip:
        proposal.contact_phone = normalise_phone(data.contact_phone) or data.contact_phone.strip()
    if "community" not in skip:
        proposal.community_id = parsed.community.id if parsed.community else None
    if "beneficiary_count" not in skip:
        proposal.beneficiary_count = parsed.beneficiary_count or 0
    if "matching_funds" not in skip:
        proposal.matching_funds_fen = parsed.matching_funds_fen
    if "activities" not in skip:
        proposal.activities = [dataclasses.asdict(row) for row in data.activities]
    if "team" not in skip:
        proposal.team = list(data.team)
    if "needs" not in skip:
        proposal.needs = list(parsed.needs)
    lines = _storable_lines(proposal, parsed.lines, skip)
    _sync_lines(proposal, lines)
    proposal.requested_fen = total(lines)


# ---------------------------------------------------------------------------------------------
# Use cases


def create_draft(user, round_id: int, now: datetime | None = None) -> Proposal:
    """Start an empty draft in a round whose submission window is open; audited as created."""
    _allow(perms.can_apply(user), status=403)
    funding_round = db.session.get(FundingRound, round_id)
    if funding_round is None:
        raise Refusal(msg("找不到这个赛事"), status=404)
    if message := check_phase(funding_round, "submit", now_utc(now)):
        raise Refusal(message, status=409)
    org_id = user.organisation_id if perms.applies_as_org(user) else None
    with unit_of_work():
        proposal = Proposal(
            round_id=round_id,
            applicant_id=user.id,
            organisation_id=org_id,
            community_id=getattr(user, "community_id", None),
            contact_name=user.display_name,
            contact_phone=getattr(user, "phone", "") or "",
            team=[] if org_id else [user.display_name],
        )
        apply(PROPOSAL, proposal, "create", user, owner=owns_proposal(user, proposal),
              payload={"round_id": round_id, "organisation_id": org_id})
    return proposal


def save_draft(
    user, proposal_id: int, data: ProposalInput, now: datetime | None = None
) -> Proposal:
    """Save what an owner typed, checking only types, while the proposal is editable; refuse
    (saving nothing) if any input cannot be read."""
    now = now_utc(now)
    with unit_of_work():
        proposal = lock_editable(user, proposal_id)
        _check_window(proposal, submission_action(proposal.status), now)
        _write(proposal, parse_input(data, proposal.round_id))
        _audit_save(user, proposal, [])
    return proposal


def keep_draft(
    user, proposal_id: int, data: ProposalInput, now: datetime | None = None
) -> list[Problem]:
    """Save every input an owner typed that can be read, keep the stored value of each that
    cannot, and return the problems of those (empty when everything was saved).

    This is what the form's 保存草稿, 上传附件 and autosave call: nothing readable is ever lost
    to one bad price. Audited once as ``proposal.save_draft``, naming the inputs left unsaved.
    """
    now = now_utc(now)
    with unit_of_work():
        proposal = lock_editable(user, proposal_id)
        _check_window(proposal, submission_action(proposal.status), now)
        parsed, problems = read(data, proposal.round_id)
        _write(proposal, parsed, frozenset(problem.field for problem in problems))
        _audit_save(user, proposal, problems)
    return problems


def _audit_save(user, proposal: Proposal, problems: list[Problem]) -> None:
    """The one ``proposal.save_draft`` entry: the amount, the line count, what stayed unsaved."""
    payload = {"requested_fen": proposal.requested_fen, "lines": len(proposal.lines)}
    if problems:
        payload["unsaved"] = sorted({problem.field for problem in problems})
    apply(PROPOSAL, proposal, "save_draft", user, owner=True, payload=payload)


def snapshot(proposal: Proposal) -> dict:
    """Every field and budget line of the proposal as JSON-able data (money in fen)."""
    return {
        "title": proposal.title,
        "community": proposal.community.name if proposal.community else "",
        "category": proposal.category,
        "is_org": proposal.organisation_id is not None,
        "background": proposal.background,
        "objectives": proposal.objectives,
        "outcomes": proposal.outcomes,
        "beneficiaries": proposal.beneficiaries,
        "beneficiary_count": proposal.beneficiary_count,
        "activities": list(proposal.activities),
        "budget": [
            {
                "item": line.item,
                "cost_category": line.cost_category,
                "unit_price_fen": line.unit_price_fen,
                "quantity": line.quantity,
                "subtotal_fen": line.subtotal_fen,
            }
            for line in proposal.lines
        ],
        "team": list(proposal.team),
        "contact_name": proposal.contact_name,
        "contact_phone": proposal.contact_phone,
        "matching_funds_fen": proposal.matching_funds_fen,
        "needs": [f"#{need.id} {need.title}" for need in proposal.needs],
        "requested_fen": proposal.requested_fen,
        "version": proposal.version,
    }


def _checked(proposal: Proposal, data: ProposalInput) -> tuple[Parsed, list[Problem]]:
    """The parsed input and everything that stops it from being submitted, one problem per
    input: type problems and submission problems together, in form order."""
    parsed, problems = read(data, proposal.round_id)
    typed = {problem.field for problem in problems}
    draft = draft_of(parsed, proposal.organisation_id is not None)
    problems += [
        problem
        for problem in check_submission(draft, rules_of(proposal.round))
        if problem.field not in typed
    ]
    return parsed, problems


def _complete(proposal: Proposal, data: ProposalInput) -> Parsed:
    """The parsed input if it may be submitted; else refuse, listing every problem by input."""
    parsed, problems = _checked(proposal, data)
    if problems:
        raise Refusal(incomplete_message(problems), problems, status=422)
    return parsed


def incomplete_message(problems: list[Problem]) -> str:
    """The headline over a list of problems that stop a submission."""
    return msg("还有 {count} 处需要修改才能提交", count=len(problems))


def submission_problems(user, proposal_id: int, data: ProposalInput) -> list[Problem]:
    """What stops ``data`` from being submitted to the owner's proposal (reads only: the
    confirmation step asks this before the applicant confirms)."""
    return _checked(get_owned(user, proposal_id), data)[1]


SUBMITTED_MESSAGES = {
    "submit": N_("您的申报“{title}”已提交（第 {version} 版，申请金额 {amount}）"),
    "resubmit": N_("您的申报“{title}”已重新提交（第 {version} 版，申请金额 {amount}）"),
}


def _record_submission(user, proposal: Proposal, action: str, now: datetime) -> None:
    """Move the proposal by ``action``, freeze a version, audit once and tell the applicant."""
    proposal.version += 1
    proposal.submitted_at = stored(now)
    proposal.first_submitted_at = proposal.first_submitted_at or proposal.submitted_at
    proposal.decision_reason = ""
    apply(PROPOSAL, proposal, action, user, owner=True, payload={
        "version": proposal.version,
        "requested_fen": proposal.requested_fen,
        "round_id": proposal.round_id,
    })
    db.session.add(
        ProposalVersion(
            proposal_id=proposal.id, version=proposal.version, snapshot=snapshot(proposal)
        )
    )
    message = messages.message(
        SUBMITTED_MESSAGES[action],
        title=proposal.title,
        version=proposal.version,
        amount=format_fen(proposal.requested_fen),
    )
    notify(proposal.applicant_id, message, link_to(proposal.id))


def submit(user, proposal_id: int, data: ProposalInput, now: datetime | None = None) -> bool:
    """Save and submit (or resubmit after a return) in one transaction.

    Returns False, changing nothing, when the proposal is already submitted: a double-clicked
    submit lands once because the row is locked and its state read inside the transaction.
    The table is asked first, so a proposal that can no longer be submitted says so (409)
    before the window or the form is checked.
    """
    now = now_utc(now)
    with unit_of_work():
        proposal = lock_owned(user, proposal_id)
        if is_submitted(proposal.status):
            return False
        action = submission_action(proposal.status)
        PROPOSAL.step(proposal.status, action, perms.roles_on(user, proposal))
        _check_window(proposal, action, now)
        _write(proposal, _complete(proposal, data))
        _record_submission(user, proposal, action, now)
    return True


def withdraw(user, proposal_id: int, now: datetime | None = None) -> Proposal:
    """An owner withdraws a draft, submitted or returned proposal; audited and notified."""
    with unit_of_work():
        proposal = lock_owned(user, proposal_id)
        apply(PROPOSAL, proposal, "withdraw", user, owner=True)
        title = proposal.title or messages.label(N_("（未命名）"))
        message = messages.message(N_("您的申报“{title}”已撤回"), title=title)
        notify(proposal.applicant_id, message, link_to(proposal.id))
    return proposal


RECALLED_MESSAGE = N_("您的申报“%(title)s”已取回为草稿（第 %(version)s 版仍保留），请在截止前修改后重新提交")


def recall(user, proposal_id: int, now: datetime | None = None) -> Proposal:
    """An owner takes a submitted proposal back to draft before it is screened, while the
    submission window is open; the submitted version stays stored and the next submission
    freezes a new one. Audited once as ``proposal.recall``."""
    now = now_utc(now)
    with unit_of_work():
        proposal = lock_owned(user, proposal_id)
        PROPOSAL.step(proposal.status, "recall", perms.roles_on(user, proposal))
        _check_window(proposal, "submit", now)
        apply(PROPOSAL, proposal, "recall", user, owner=True,
              payload={"version": proposal.version, "round_id": proposal.round_id})
        with source_language():
            message = tr(RECALLED_MESSAGE) % {"title": proposal.title or msg("（未命名）"),
                                              "version": proposal.version}
        notify(proposal.applicant_id, message, link_to(proposal.id))
    return proposal
