"""Grant agreements (资助协议书): created for every confirmed award, signed online by the
applicant (乙方) and countersigned by the organizer (甲方), rendered to PDF one by one or as a
ZIP of a whole round."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from sqlalchemy import func, select

from grants.domain.agreement import SUPERVISION_CLAUSES, agreement_number
from grants.domain.awards import AWARD_TRANSITIONS, TransitionError, state_label, transition
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.money import format_fen
from grants.domain.numerals import capital_numerals
from grants.domain.permissions.awards import (
    can_countersign_agreement,
    can_sign_agreement,
    can_view_agreement,
)
from grants.domain.tranches import schedule
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Agreement, Award
from grants.models.base import utcnow
from grants.services import audit, unit_of_work
from grants.services.awards import AwardError, fresh, lock_round
from grants.services.notifications import notify

SIGNABLE_STATES = ("confirmed",)


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


def create_agreements(awards: Iterable[Award], year: int, actor) -> list[Agreement]:
    """Create the agreement of each newly confirmed award, numbered in rank order.

    Runs inside the caller's transaction (the confirmation), with the round already locked, so
    sequence numbers are handed out one caller at a time.
    """
    made = []
    for award in sorted(awards, key=lambda a: a.rank):
        funding_round = db.session.get(FundingRound, award.round_id)
        number = _next_number(funding_round, year)
        agreement = Agreement(award_id=award.id, number=number)
        db.session.add(agreement)
        db.session.flush()
        with source_language():
            message = msg(
                "“{title}”已确认立项，请签署资助协议书 {number}",
                title=award.proposal.title,
                number=number,
            )
        notify(award.proposal.applicant_id, message, f"/awards/agreements/{agreement.id}")
        audit.record(
            "agreement.created",
            "agreement",
            agreement.id,
            {"award_id": award.id, "number": number, "amount_fen": award.amount_fen},
            actor=actor,
        )
        made.append(agreement)
    return made


def get_agreement(agreement_id: int, user) -> Agreement:
    """The agreement if this user may read it; otherwise "not found" (never reveal others')."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not can_view_agreement(user, agreement.award.proposal)[0]:
        raise AwardError(msg("找不到这份协议书"), 404)
    return agreement


def _locked_agreement(agreement_id: int) -> Agreement:
    """Lock the agreement's round, then re-read the agreement and its award inside the lock."""
    round_id = db.session.scalar(
        select(Award.round_id).join(Agreement).where(Agreement.id == agreement_id)
    )
    if round_id is None:
        raise AwardError(msg("找不到这份协议书"), 404)
    lock_round(round_id)
    agreement = fresh(Agreement, agreement_id)
    fresh(Award, agreement.award_id)
    return agreement


def sign_as_applicant(agreement_id: int, user) -> Agreement:
    """The applicant signs the agreement online (audited with the time)."""
    with unit_of_work():
        agreement = _locked_agreement(agreement_id)
        award = agreement.award
        if not can_sign_agreement(user, award.proposal)[0]:
            raise AwardError(msg("找不到这份协议书"), 404)
        if agreement.applicant_signed_at is not None:
            raise AwardError(msg("您已签署过这份协议书"), 409)
        if award.status not in SIGNABLE_STATES:
            label = tr(state_label(award.status))
            raise AwardError(msg("立项状态为“{state}”，不能签署协议书", state=label), 409)
        agreement.applicant_signed_at, agreement.applicant_signer_id = utcnow(), user.id
        audit.record(
            "agreement.signed_applicant",
            "agreement",
            agreement.id,
            {
                "number": agreement.number,
                "signed_at": agreement.applicant_signed_at.isoformat() + "Z",
            },
            actor=user,
        )
    return agreement


def countersign(agreement_id: int, user) -> Agreement:
    """The organizer countersigns after the applicant; the award becomes ``agreement_signed``."""
    allowed, reason = can_countersign_agreement(user)
    if not allowed:
        raise AwardError(reason, 403)
    with unit_of_work():
        agreement = _locked_agreement(agreement_id)
        award = agreement.award
        if agreement.organizer_signed_at is not None:
            raise AwardError(msg("这份协议书已经签署完毕"), 409)
        if agreement.applicant_signed_at is None:
            raise AwardError(msg("申报方签署后，主办方才能签署"), 409)
        try:
            award.status = transition(
                AWARD_TRANSITIONS, award.status, "sign_agreement", frozenset(user.roles)
            )
        except TransitionError as error:
            raise AwardError(str(error), 409) from error
        agreement.organizer_signed_at, agreement.organizer_signer_id = utcnow(), user.id
        with source_language():
            message = msg("资助协议书 {number} 已由主办方签署生效", number=agreement.number)
        notify(award.proposal.applicant_id, message, f"/awards/agreements/{agreement.id}")
        audit.record(
            "agreement.signed_organizer",
            "agreement",
            agreement.id,
            {
                "number": agreement.number,
                "award_status": award.status,
                "signed_at": agreement.organizer_signed_at.isoformat() + "Z",
            },
            actor=user,
        )
    return agreement


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
    """The agreements of the proposals this user (or their organisation) applied for."""
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


# ------------------------------------------------------------------------------ documents


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


def agreement_context(agreement: Agreement) -> dict:
    """Everything the agreement page and PDF print: parties, project, amount in figures and
    capitals, supervision clauses, tranches and both signatures."""
    award = agreement.award
    proposal = award.proposal
    funding_round = db.session.get(FundingRound, award.round_id)
    return {
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
        "clauses": SUPERVISION_CLAUSES,
        "tranches": schedule(award.amount_fen),
        "applicant_signature": _signature(
            agreement.applicant_signer, agreement.applicant_signed_at
        ),
        "organizer_signature": _signature(
            agreement.organizer_signer, agreement.organizer_signed_at
        ),
    }


def agreement_html(agreement: Agreement) -> str:
    """The agreement as the HTML the PDF is made from."""
    from grants.documents import document_language, render_html

    with document_language():
        return render_html("agreement", **agreement_context(agreement))


def agreement_pdf(agreement: Agreement) -> bytes:
    """The agreement as a PDF (served from the document cache when unchanged)."""
    from grants.documents import html_pdf

    return html_pdf(agreement_html(agreement))


def agreements_zip(round_id: int) -> tuple[bytes, int]:
    """Every agreement of a round as one ZIP (``<number>.pdf`` each) and how many it holds."""
    agreements = agreements_of_round(round_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for agreement in agreements:
            archive.writestr(f"{agreement.number}.pdf", agreement_pdf(agreement))
    return buffer.getvalue(), len(agreements)
