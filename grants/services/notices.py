"""The public notice (公示): publishing a round's proposed awards, objections during the notice
period, the organizer's rulings, and confirmation once the period is over.

Dates of a notice are local dates in Asia/Shanghai; ``today`` can be passed in so tests and the
``flask notices close-due`` command decide on a known day. Confirmation is idempotent: a notice
that is already closed is left alone and nothing is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from grants.domain import messages
from grants.domain.clock import local_date, now_utc, stored
from grants.domain.documents import NOTICE_DOCUMENT
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles import AWARD, NOTICE, OBJECTION, PROPOSAL
from grants.domain.lifecycles.award import LIVE_STATES
from grants.domain.notice import (
    AWAITING_RULING,
    AWARDS_NOTICE,
    NOTICED_AWARDS,
    OPEN_NOTICES,
    PUBLISHABLE_AWARDS,
    can_confirm,
    is_notice_open,
    notice_end,
)
from grants.domain.permissions.awards import objection_problems, public_applicant
from grants.domain.phases import format_date
from grants.domain.proposals import normalise_phone
from grants.extensions import db
from grants.models import FundingRound, Proposal, User, UserRole
from grants.models.awards import Award, Notice, Objection
from grants.services import Refusal, locked, published, unit_of_work
from grants.services.agreements import draw_agreements, freeze_budget
from grants.services.awards import award_facts, change_amount, live_total, lock_round
from grants.services.lifecycle import apply
from grants.services.notifications import notify

SETTLEABLE_PROPOSALS = PROPOSAL.sources("award", "not_award")
"""Proposals a confirmation settles (scored ones)."""


def _calendar() -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays and make-up workdays from the configuration (ISO dates)."""
    config = current_app.config
    holidays = frozenset(date.fromisoformat(d) for d in config.get("NOTICE_HOLIDAYS", ()))
    extra = frozenset(date.fromisoformat(d) for d in config.get("NOTICE_WORKDAYS", ()))
    return holidays, extra


# ------------------------------------------------------------------------------- publish


def publish_notice(round_id: int, actor, today: date | None = None) -> Notice:
    """Put every proposed award of a round into a new public notice period.

    The period starts today and runs ``round.notice_days`` working days. Refused when there is
    nothing to publish or when the live awards would exceed the pool. One entry on the notice
    (with the period and the awards) and one per award.
    """
    today = today or local_date()
    with unit_of_work():
        funding_round = lock_round(round_id)
        query = select(Award).where(Award.round_id == round_id,
                                    Award.status.in_(PUBLISHABLE_AWARDS))
        awards = list(db.session.scalars(query.order_by(Award.rank)))
        if not awards:
            raise Refusal(msg("没有待公示的拟立项项目"), status=409)
        if live_total(round_id) > funding_round.pool_fen:
            raise Refusal(msg("立项总额超过资金池，不能发布公示"), status=409)
        holidays, extra = _calendar()
        ends = notice_end(today, funding_round.notice_days, holidays, extra)
        notice = Notice(round_id=round_id, starts_on=today, ends_on=ends)
        apply(NOTICE, notice, "publish", actor, payload={
            "round_id": round_id,
            "starts_on": today.isoformat(),
            "ends_on": ends.isoformat(),
            "notice_days": funding_round.notice_days,
            "awards": [award_facts(a) for a in awards],
        })
        for award in awards:
            award.notice_id = notice.id
            apply(AWARD, award, "publish_notice", actor, payload={"notice_id": notice.id})
        published.stamp(NOTICE_DOCUMENT, notice.id)
    return notice


# ------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class PublicRow:
    """One award as the public notice shows it: nothing private (no phones, accounts, names).

    ``objectable`` is true while the award stands in the notice (objections may target it).
    """

    award_id: int
    rank: int
    title: str
    applicant: str
    community: str
    score: Decimal
    amount_fen: int
    status: str
    status_label: str
    objections: int
    objectable: bool


def notice_awards(notice_id: int) -> list[Award]:
    """A notice's awards in rank order with their proposals, organisations and communities:
    one query, whatever the number of awards."""
    query = (
        select(Award)
        .where(Award.notice_id == notice_id)
        .options(selectinload(Award.proposal).options(
            joinedload(Proposal.organisation), joinedload(Proposal.community)))
        .order_by(Award.rank)
    )
    return list(db.session.scalars(query))


def public_rows(notice: Notice) -> list[PublicRow]:
    """The awards of a notice in rank order, as the public may see them."""
    counts = dict(
        db.session.execute(
            select(Objection.award_id, func.count(Objection.id))
            .join(Award, Award.id == Objection.award_id)
            .where(Award.notice_id == notice.id, Objection.evaluation_id.is_(None))
            .group_by(Objection.award_id)
        ).all()
    )
    rows = []
    for award in notice_awards(notice.id):
        p = award.proposal
        leader = p.contact_name or (p.team[0] if p.team else "")
        rows.append(
            PublicRow(
                award.id,
                award.rank,
                p.title,
                public_applicant(p.organisation.name if p.organisation else None, leader),
                p.community.name if p.community else "",
                award.score,
                award.amount_fen,
                award.status,
                AWARD.state_label(award.status),
                counts.get(award.id, 0),
                award.status in NOTICED_AWARDS,
            )
        )
    return rows


def is_open(notice: Notice, today: date | None = None) -> bool:
    """True while objections may be filed against the notice's awards."""
    today = today or local_date()
    return notice.status in OPEN_NOTICES and is_notice_open(
        today, notice.starts_on, notice.ends_on
    )


def awaits_confirmation(notice: Notice, today: date | None = None) -> bool:
    """True once the period has ended but the notice is not confirmed yet."""
    today = today or local_date()
    return notice.status in OPEN_NOTICES and today > notice.ends_on


@dataclass(frozen=True)
class NoticeListing:
    """A notice on the public index, with where it stands today."""

    notice: Notice
    running: bool
    awaiting_confirmation: bool


def list_notices() -> list[Notice]:
    """Every notice, newest first."""
    return list(db.session.scalars(select(Notice).order_by(Notice.id.desc())))


def notice_listings(today: date | None = None) -> list[NoticeListing]:
    """Every notice, newest first, each saying whether it runs or waits for confirmation."""
    today = today or local_date()
    return [NoticeListing(n, is_open(n, today), awaits_confirmation(n, today))
            for n in list_notices()]


def notices_of_round(round_id: int) -> list[Notice]:
    """A round's notices of awards, newest first (its evaluation results notices are listed
    by :mod:`grants.services.evaluations`)."""
    return list(
        db.session.scalars(
            select(Notice).where(Notice.round_id == round_id, Notice.kind == AWARDS_NOTICE)
            .order_by(Notice.id.desc())
        )
    )


def period_text(notice: Notice) -> str:
    """The notice period as printed: ``2026年7月6日至2026年7月10日``."""
    return msg(
        "{start}至{end}", start=format_date(notice.starts_on), end=format_date(notice.ends_on)
    )


# ----------------------------------------------------------------------------- objections


def file_objection(
    award_id: int, text: str, user=None, name: str = "", phone: str = "", today: date | None = None
) -> Objection:
    """File an objection against an award during its notice period.

    Logged-in visitors are known by their account; anonymous ones leave a name and phone and
    act as the public. The objector receives a secret token: the receipt with which they can
    see the outcome.
    """
    anonymous = user is None
    problems = objection_problems(text or "", name or "", phone or "", anonymous)
    if problems:
        raise Refusal(msg("；").join(problems), status=422)
    with unit_of_work():
        award = _award_open_to_objections(award_id, today)
        objection = Objection(
            award_id=award.id,
            user_id=getattr(user, "id", None),
            text=text.strip(),
            name="" if user else name.strip(),
            phone="" if user else normalise_phone(phone) or phone.strip(),
            token=secrets.token_urlsafe(18),
        )
        apply(OBJECTION, objection, "file", user, roles={"public"} if anonymous else None,
              payload={"award_id": award.id, "by_account": not anonymous})
        message = messages.message(N_("收到对“{title}”的异议，请及时处理"),
                                   title=award.proposal.title)
        notify_organizers(message, f"/awards/rounds/{award.round_id}")
    return objection


def _award_open_to_objections(award_id: int, today: date | None) -> Award:
    """The award if it is in a notice that is open today; otherwise refuse with the period.

    The round is locked first, so an objection and the notice's confirmation never cross.
    """
    missing = msg("找不到这项公示的立项")
    round_id = db.session.scalar(select(Award.round_id).where(Award.id == award_id))
    if round_id is None:
        raise Refusal(missing, status=404)
    lock_round(round_id)
    award = locked(Award, award_id, missing)
    if award.notice is None:
        raise Refusal(missing, status=404)
    if not accepts_objections(award, today):
        period = period_text(award.notice)
        raise Refusal(
            msg("只能在公示期内（{period}）对公示中的项目提出异议", period=period), status=409
        )
    return award


def accepts_objections(award: Award, today: date | None = None) -> bool:
    """True when objections may be filed against the award today: it stands in its notice
    and the notice's period is running."""
    return (award.notice is not None and award.status in NOTICED_AWARDS
            and is_open(award.notice, today))


def notify_organizers(message: str | messages.Message, link: str) -> None:
    """Tell every organizer account about something waiting for them."""
    ids = db.session.scalars(
        select(UserRole.user_id)
        .join(User)
        .where(UserRole.role == "organizer", User.active.is_(True))
    )
    for user_id in ids:
        notify(user_id, message, link)


def _locked_objection(objection_id: int) -> tuple[FundingRound, Objection]:
    """Lock the round of an objection's award, then the objection and its award."""
    missing = msg("找不到这件异议")
    round_id = db.session.scalar(
        select(Award.round_id).join(Objection).where(Objection.id == objection_id)
    )
    if round_id is None:
        raise Refusal(missing, status=404)
    funding_round = lock_round(round_id)
    objection = locked(Objection, objection_id, missing)
    locked(Award, objection.award_id, missing)
    return funding_round, objection


def _tell_objector(objection: Objection) -> None:
    """Send a logged-in objector the outcome of their objection."""
    if objection.user_id is not None:
        message = messages.message(
            N_("您对“{title}”提出的异议已处理：{outcome}"),
            title=objection.award.proposal.title,
            outcome=messages.label(OBJECTION.state_label(objection.status)),
        )
        notify(objection.user_id, message, f"/notices/objections/{objection.token}")


def uphold_objection(
    objection_id: int, actor, reason: str, new_amount_fen: int | None = None
) -> Objection:
    """Rule an objection well-founded: the award is revoked, or its amount changed when
    ``new_amount_fen`` is given (within the band and the pool).

    One entry on the objection (``objection.uphold``, saying what happened to the award) and
    one on the award (``award.revoke`` or ``award.change_amount``) when it still stood in the
    notice. An objection to an evaluation result sends the evaluation back for scoring
    instead (:func:`grants.services.evaluations.results.uphold_on_evaluation`).
    """
    with unit_of_work():
        funding_round, objection = _locked_objection(objection_id)
        if objection.evaluation_id is not None:
            _evaluation_results().uphold_on_evaluation(objection, actor, reason)
        else:
            award = objection.award
            effect = _award_effect(award, new_amount_fen)
            apply(OBJECTION, objection, "uphold", actor, reason=reason,
                  payload={"award_id": award.id, **effect})
            _apply_upheld(funding_round, award, objection, actor, reason, new_amount_fen)
        _decide(objection, actor, reason)
    return objection


def _award_effect(award: Award, new_amount_fen: int | None) -> dict:
    """What upholding does to the award, for the objection's entry."""
    if award.status not in NOTICED_AWARDS:
        return {"award_effect": "none", "award_status": award.status}
    if new_amount_fen is None:
        return {"award_effect": "revoked", "amount_fen": award.amount_fen}
    return {"award_effect": "amount_changed", "from_fen": award.amount_fen,
            "to_fen": new_amount_fen}


def _apply_upheld(funding_round, award: Award, objection: Objection, actor, reason: str,
                  new_amount_fen: int | None) -> None:
    """Revoke the award or change its amount (each its own award entry); nothing when the
    award no longer stands in the notice."""
    if award.status not in NOTICED_AWARDS:
        return
    facts = {"objection_id": objection.id}
    if new_amount_fen is None:
        award.reason = reason.strip()
        apply(AWARD, award, "revoke", actor, reason=reason,
              payload={**facts, "amount_fen": award.amount_fen})
        published.stamp(NOTICE_DOCUMENT, award.notice_id)
        return
    before = award.amount_fen
    change_amount(funding_round, award, new_amount_fen)
    award.reason = reason.strip()
    apply(AWARD, award, "change_amount", actor, reason=reason,
          payload={**facts, "from_fen": before, "to_fen": new_amount_fen})
    published.stamp(NOTICE_DOCUMENT, award.notice_id)


def _decide(objection: Objection, actor, reason: str) -> None:
    """Record the ruling on the objection and tell the objector."""
    objection.outcome_reason = reason.strip()
    objection.decided_at = stored(now_utc())
    objection.decided_by_id = getattr(actor, "id", None)
    _tell_objector(objection)


def dismiss_objection(objection_id: int, actor, reason: str) -> Objection:
    """Rule an objection unfounded, with the reason the objector will read."""
    with unit_of_work():
        _funding_round, objection = _locked_objection(objection_id)
        apply(OBJECTION, objection, "dismiss", actor, reason=reason,
              payload={"award_id": objection.award_id})
        _decide(objection, actor, reason)
    return objection


def objection_by_token(token: str) -> Objection | None:
    """The objection whose receipt token this is (anonymous objectors' status page)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Objection).where(Objection.token == token))


def objections_of_user(user) -> list[Objection]:
    """A logged-in objector's objections, newest first."""
    return list(
        db.session.scalars(
            select(Objection).where(Objection.user_id == user.id).order_by(Objection.id.desc())
        )
    )


def objections_of_round(round_id: int) -> list[Objection]:
    """Every objection against a round's awards, those awaiting a ruling first (objections to
    evaluation results are listed with the evaluations)."""
    query = (
        select(Objection)
        .join(Award)
        .where(Award.round_id == round_id, Objection.evaluation_id.is_(None))
        .order_by(Objection.status.not_in(AWAITING_RULING), Objection.id)
    )
    return list(db.session.scalars(query))


def receipt_number(objection: Objection) -> str:
    """The short number an objector quotes: ``YY-000123``."""
    return f"YY-{objection.id:06d}"


# --------------------------------------------------------------------------- confirmation


def _evaluation_results():
    """The evaluation results module, imported when first needed: it builds on this one."""
    from grants.services.evaluations import results

    return results


def _open_objections(notice_id: int) -> int:
    """How many objections against a notice's awards still wait for a ruling."""
    return (
        db.session.scalar(
            select(func.count(Objection.id))
            .join(Award)
            .where(Award.notice_id == notice_id, Objection.status.in_(AWAITING_RULING),
                   Objection.evaluation_id.is_(None))
        )
        or 0
    )


def confirm_notice(notice_id: int, actor=None, today: date | None = None) -> int:
    """Close an ended notice with no open objection: confirm its awards (freezing their
    budget lines), draw their agreements and settle the round's proposals. Returns how many
    awards were confirmed; refused (nothing written) otherwise. A notice of evaluation results
    is confirmed by :func:`grants.services.evaluations.results.confirm_results` instead."""
    today = today or local_date()
    missing = msg("找不到这次公示")
    found = db.session.execute(
        select(Notice.round_id, Notice.kind).where(Notice.id == notice_id)).first()
    if found is None:
        raise Refusal(missing, status=404)
    round_id, kind = found
    if kind != AWARDS_NOTICE:
        return _evaluation_results().confirm_results(notice_id, actor, today)
    with unit_of_work():
        lock_round(round_id)
        notice = locked(Notice, notice_id, missing)
        if notice.status not in OPEN_NOTICES:
            raise Refusal(msg("这次公示已经结束"), status=409)
        check = can_confirm(notice.ends_on, today, _open_objections(notice_id))
        if not check.ok:
            raise Refusal(check.reason, status=409)
        awards = [a for a in notice.awards if a.status in NOTICED_AWARDS]
        notice.closed_at = stored(now_utc())
        apply(NOTICE, notice, "confirm", actor, payload={"confirmed": [a.id for a in awards]})
        for award in awards:
            frozen = freeze_budget(award)
            apply(AWARD, award, "confirm", actor, payload={
                "notice_id": notice_id, "amount_fen": award.amount_fen, **frozen,
            })
        draw_agreements(awards, notice.starts_on.year, actor)
        _settle_proposals(round_id, {award.proposal_id for award in awards}, actor)
        published.stamp(NOTICE_DOCUMENT, notice_id)
    return len(awards)


def _settle_proposals(round_id: int, awarded_ids: set[int], actor) -> None:
    """Move the round's scored proposals to awarded / not awarded, telling each applicant.

    Runs inside the confirmation's transaction with one audit entry per proposal. A proposal
    whose award is still waiting for another notice stays scored until that one closes.
    """
    pending = set(db.session.scalars(select(Award.proposal_id).where(
        Award.round_id == round_id, Award.status.in_(LIVE_STATES),
        Award.proposal_id.not_in(awarded_ids))))
    scored = db.session.scalars(
        select(Proposal).where(Proposal.round_id == round_id,
                               Proposal.status.in_(SETTLEABLE_PROPOSALS),
                               Proposal.id.not_in(pending))
    ).all()
    for proposal in scored:
        awarded = proposal.id in awarded_ids
        apply(PROPOSAL, proposal, "award" if awarded else "not_award", actor,
              payload={"round_id": round_id})
        notify(proposal.applicant_id, _settled_message(proposal, awarded),
               f"/proposals/{proposal.id}")


def _settled_message(proposal: Proposal, awarded: bool) -> messages.Message:
    """The applicant's notification when the notice confirms the round's awards."""
    if awarded:
        return messages.message(
            N_("恭喜！您的项目“{title}”经公示已正式立项，请在线签订资助协议。"),
            title=proposal.title,
        )
    return messages.message(
        N_("您的项目“{title}”本轮未获立项，感谢参与。评审意见发布后可在项目页查看。"),
        title=proposal.title,
    )


def close_due(today: date | None = None) -> list[str]:
    """Confirm every open notice whose period has ended and has no open objection (cron).

    Returns one line per notice looked at. Safe to run again: closed notices are not touched,
    and notices still waiting for rulings are only reported.
    """
    today = today or local_date()
    due = db.session.execute(
        select(Notice.id, Notice.kind)
        .where(Notice.status.in_(OPEN_NOTICES), Notice.ends_on < today)
        .order_by(Notice.id)
    ).all()
    lines = []
    for notice_id, kind in due:
        try:
            count = confirm_notice(notice_id, None, today)
        except Refusal as error:
            lines.append(f"公示 #{notice_id}：未确认（{error}）")
            continue
        except Exception as error:  # noqa: BLE001 - one bad notice must not stop the others
            current_app.logger.exception("closing notice %s failed", notice_id)
            lines.append(f"公示 #{notice_id}：确认失败（{type(error).__name__}），已回滚，请联系管理员")
            continue
        unit = "个立项" if kind == AWARDS_NOTICE else "项评估结果"
        lines.append(f"公示 #{notice_id}：已确认 {count} {unit}")
    return lines


def notice_context(notice: Notice, url: str) -> dict:
    """What the public notice page and PDF show: the round, the public rows, the live total,
    the period and where to object (``url``)."""
    rows = public_rows(notice)
    live = [row for row in rows if row.status in LIVE_STATES]
    return {
        "notice": notice,
        "round": notice.round,
        "rows": rows,
        "live": live,
        "live_total": sum(row.amount_fen for row in live),
        "period": period_text(notice),
        "published_on": format_date(notice.starts_on),
        "url": url,
    }
