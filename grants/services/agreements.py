"""Grant agreements (资助协议书) and the frozen record of what was approved.

An agreement is drawn for every award the notice confirms, signed online by the applicant side
(乙方: the proposal's owner) and countersigned by the organizer (甲方), which signs the award.
Two records are frozen on the way, each with the sha256 of its rows in the audit entry of that
moment: the award's budget lines, copied from the proposal at confirmation, and its payment
tranches, stored from the schedule at countersignature. Payments and expenses hang on those
rows; the agreement prints them. Documents are the web layer's: this module hands over their
data (:func:`agreement_context`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from grants.domain import messages
from grants.domain.agreement import (
    BUDGET_LINE_FIELDS,
    SIGNABLE_AWARDS,
    SUPERVISION_CLAUSES,
    TRANCHE_FIELDS,
    agreement_number,
    frozen_digest,
    row_facts,
)
from grants.domain.budget import category_label
from grants.domain.clock import now_utc, stored
from grants.domain.i18n import N_, msg, tr
from grants.domain.lifecycles import AGREEMENT, AWARD
from grants.domain.money import format_fen
from grants.domain.numerals import capital_numerals
from grants.domain.payments import FIRST_GATE
from grants.domain.permissions import owns_proposal
from grants.domain.permissions.awards import can_view_agreement
from grants.domain.tranches import PlannedTranche, schedule
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Agreement, Award, AwardBudgetLine, Tranche
from grants.services import Refusal, locked, published, unit_of_work
from grants.services.awards import lock_round
from grants.services.gates import AGREEMENT_SIGNED_EVIDENCE, gate_met
from grants.services.lifecycle import apply
from grants.services.notifications import notify
from grants.services.payments.queries import plan_of

NOT_FOUND = N_("找不到这份协议书")


# ------------------------------------------------------------------------ frozen records


def freeze_budget(award: Award) -> dict:
    """Copy the proposal's budget lines onto the award (positions 0…n-1, in the proposal's
    order) and return the facts the confirmation's audit entry carries: ids and digest."""
    source = sorted(award.proposal.lines, key=lambda line: (line.position, line.id))
    lines = [
        AwardBudgetLine(
            award_id=award.id, position=position, item=line.item,
            cost_category=line.cost_category, unit_price_fen=line.unit_price_fen,
            quantity=line.quantity, subtotal_fen=line.subtotal_fen,
        )
        for position, line in enumerate(source)
    ]
    db.session.add_all(lines)
    db.session.flush()
    facts = [row_facts(line, BUDGET_LINE_FIELDS) for line in lines]
    return {
        "budget_line_ids": [line.id for line in lines],
        "budget_total_fen": sum(line.subtotal_fen for line in lines),
        "budget_sha256": frozen_digest(facts),
    }


def store_tranches(award: Award) -> dict:
    """Store the award's payment schedule as ``tranche`` rows (``pending``) and return the
    facts the countersignature's audit entry carries: the rows and their digest."""
    rows = [
        Tranche(award_id=award.id, sequence=t.sequence, share_bp=t.share_bp,
                amount_fen=t.amount_fen, gate=t.gate)
        for t in schedule(award.amount_fen, plan_of(award.round_id))
    ]
    db.session.add_all(rows)
    db.session.flush()
    facts = [row_facts(row, TRANCHE_FIELDS) for row in rows]
    return {"tranches": facts, "tranches_sha256": frozen_digest(facts)}


def tranche_plan(award: Award) -> list[PlannedTranche]:
    """The tranches an agreement prints: the stored rows once countersigned, before that the
    schedule they will be stored from."""
    if award.tranches:
        return [PlannedTranche(t.sequence, t.share_bp, t.amount_fen, t.gate)
                for t in award.tranches]
    return schedule(award.amount_fen, plan_of(award.round_id))


# ------------------------------------------------------------------------------ drawing


def _next_number(funding_round: FundingRound, year: int) -> str:
    """The next free number in the round's series (``JN-2026-07-004``).

    The series is district + year + round number; two rounds that share a round number share
    the series, so a number is never handed out twice.
    """
    code = funding_round.district_code or "JN"
    prefix = agreement_number(code, year, funding_round.round_no, 1).rsplit("-", 1)[0] + "-"
    taken = db.session.scalar(
        select(func.count(Agreement.id)).where(Agreement.number.startswith(prefix))
    )
    return agreement_number(code, year, funding_round.round_no, (taken or 0) + 1)


def draw_agreements(awards: Iterable[Award], year: int, actor) -> list[Agreement]:
    """Draw the agreement of each newly confirmed award, numbered in rank order.

    Runs inside the caller's transaction (the confirmation), with the round already locked, so
    sequence numbers are handed out one caller at a time.
    """
    made = []
    for award in sorted(awards, key=lambda a: a.rank):
        funding_round = db.session.get(FundingRound, award.round_id)
        agreement = Agreement(award_id=award.id, number=_next_number(funding_round, year))
        apply(AGREEMENT, agreement, "draw", actor, payload={
            "award_id": award.id, "number": agreement.number, "amount_fen": award.amount_fen,
        })
        message = messages.message(
            N_("“{title}”已确认立项，请签署资助协议书 {number}"),
            title=award.proposal.title,
            number=agreement.number,
        )
        notify(award.proposal.applicant_id, message, f"/awards/agreements/{agreement.id}")
        made.append(agreement)
    return made


# ------------------------------------------------------------------------------ signing


def get_agreement(agreement_id: int, user) -> Agreement:
    """The agreement if this user may read it; otherwise "not found" (never reveal others')."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not can_view_agreement(user, agreement.award.proposal)[0]:
        raise Refusal(msg(NOT_FOUND), status=404)
    return agreement


def _locked_agreement(agreement_id: int) -> Agreement:
    """Lock the agreement's round, then the agreement and its award (read afresh)."""
    round_id = db.session.scalar(
        select(Award.round_id).join(Agreement).where(Agreement.id == agreement_id)
    )
    if round_id is None:
        raise Refusal(msg(NOT_FOUND), status=404)
    lock_round(round_id)
    agreement = locked(Agreement, agreement_id, msg(NOT_FOUND))
    locked(Award, agreement.award_id, msg(NOT_FOUND))
    return agreement


def _signed_at(moment) -> str:
    """A signing time as the audit payload keeps it: ISO UTC with a trailing Z."""
    return moment.isoformat() + "Z"


def sign_as_applicant(agreement_id: int, user) -> Agreement:
    """The proposal's owner signs the agreement online (audited with the time).

    Anyone else is told the agreement does not exist, as when reading it.
    """
    with unit_of_work():
        agreement = _locked_agreement(agreement_id)
        award = agreement.award
        if not owns_proposal(user, award.proposal):
            raise Refusal(msg(NOT_FOUND), status=404)
        if agreement.applicant_signed_at is not None:
            raise Refusal(msg("您已签署过这份协议书"), status=409)
        if award.status not in SIGNABLE_AWARDS:
            label = tr(AWARD.state_label(award.status))
            raise Refusal(msg("立项状态为“{state}”，不能签署协议书", state=label), status=409)
        agreement.applicant_signed_at = stored(now_utc())
        agreement.applicant_signer_id = user.id
        apply(AGREEMENT, agreement, "sign", user, owner=True, payload={
            "number": agreement.number, "signed_at": _signed_at(agreement.applicant_signed_at),
        })
    return agreement


def countersign(agreement_id: int, user) -> Agreement:
    """The organizer countersigns after the applicant: the tranches are stored from the round's
    plan and the award becomes ``agreement_signed`` — one entry on the agreement (with the
    tranches' digest), one on the award, and one on the first tranche, whose gate (the
    signature) is now met, so it becomes due."""
    with unit_of_work():
        agreement = _locked_agreement(agreement_id)
        award = agreement.award
        if agreement.organizer_signed_at is not None:
            raise Refusal(msg("这份协议书已经签署完毕"), status=409)
        if agreement.applicant_signed_at is None:
            raise Refusal(msg("申报方签署后，主办方才能签署"), status=409)
        agreement.organizer_signed_at = stored(now_utc())
        agreement.organizer_signer_id = user.id
        frozen = store_tranches(award)
        apply(AGREEMENT, agreement, "countersign", user, payload={
            "number": agreement.number, "signed_at": _signed_at(agreement.organizer_signed_at),
            **frozen,
        })
        apply(AWARD, award, "sign_agreement", user, payload={
            "agreement_id": agreement.id, "number": agreement.number,
        })
        gate_met(award.id, FIRST_GATE, AGREEMENT_SIGNED_EVIDENCE, user)
        message = messages.message(N_("资助协议书 {number} 已由主办方签署生效"),
                                   number=agreement.number)
        notify(award.proposal.applicant_id, message, f"/awards/agreements/{agreement.id}")
    return agreement


# ------------------------------------------------------------------------------ reading


def agreements_of_round(round_id: int) -> list[Agreement]:
    """A round's agreements in number order."""
    return list(
        db.session.scalars(
            select(Agreement)
            .join(Award)
            .where(Award.round_id == round_id)
            .order_by(Agreement.number)
        )
    )


def agreements_of_user(user) -> list[Agreement]:
    """The agreements of the proposals this user owns (applicant or organisation member)."""
    owner = Proposal.applicant_id == user.id
    if getattr(user, "organisation_id", None):
        owner = owner | (Proposal.organisation_id == user.organisation_id)
    query = (
        select(Agreement)
        .join(Award)
        .join(Proposal, Proposal.id == Award.proposal_id)
        .where(owner)
        .order_by(Agreement.id.desc())
    )
    return list(db.session.scalars(query))


def _party_b(proposal: Proposal) -> dict:
    """Who receives the grant: the organisation with its code and bank, or the resident team."""
    org = proposal.organisation
    if org is not None:
        return {
            "name": org.name,
            "id_label": N_("统一社会信用代码"),
            "id_value": org.uscc,
            "contact": f"{org.contact_name} {org.contact_phone}",
            "address": org.address,
            "bank": f"{org.bank_name} {org.bank_account}".strip(),
        }
    return {
        "name": msg("居民团队（负责人 {leader}）", leader=proposal.contact_name),
        "id_label": "",
        "id_value": "",
        "contact": f"{proposal.contact_name} {proposal.contact_phone}",
        "address": proposal.community.name if proposal.community else "",
        "bank": "",
    }


def _signature(signer, signed_at) -> dict | None:
    """A signature block's content once signed: who and when (naive UTC, shown in local time)."""
    if signed_at is None:
        return None
    return {"name": signer.display_name, "at": signed_at}


def _budget(award: Award) -> list[dict]:
    """The approved budget lines as printed (empty before confirmation froze them)."""
    return [
        {"item": line.item, "category": category_label(line.cost_category),
         "unit_price_fen": line.unit_price_fen, "quantity": line.quantity,
         "subtotal_fen": line.subtotal_fen}
        for line in award.budget_lines
    ]


def agreement_context(agreement: Agreement) -> dict:
    """Everything the agreement page and PDF print: parties, project, amount in figures and
    capitals, the approved budget, supervision clauses, tranches and both signatures, and the
    audit entry of the latest change to the agreement or its award (``audit_seq``,
    ``audit_hash``), so its PDF stays the same — and in the document cache — until either
    changes again."""
    award = agreement.award
    proposal = award.proposal
    funding_round = db.session.get(FundingRound, award.round_id)
    seq, entry_hash = published.stamp_of(("agreement", agreement.id), ("award", award.id))
    return {
        "audit_seq": seq,
        "audit_hash": entry_hash,
        "agreement": agreement,
        "award": award,
        "proposal": proposal,
        "round": funding_round,
        "party_a": msg(
            "{district}{street}公益创投主办方",
            district=funding_round.district,
            street=funding_round.street,
        ),
        "party_b": _party_b(proposal),
        "amount_text": format_fen(award.amount_fen),
        "amount_capitals": capital_numerals(award.amount_fen),
        "budget": _budget(award),
        "clauses": SUPERVISION_CLAUSES,
        "tranches": tranche_plan(award),
        "applicant_signature": _signature(
            agreement.applicant_signer, agreement.applicant_signed_at
        ),
        "organizer_signature": _signature(
            agreement.organizer_signer, agreement.organizer_signed_at
        ),
    }
