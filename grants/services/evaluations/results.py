"""Evaluation results: the public notice with its objection window, the decisions it confirms,
objections against a result, and the scheduled check of missed deadlines.

The notice is the platform's one notice (:class:`~grants.models.awards.Notice`, lifecycle
``notice``) of kind ``midterm`` or ``final``; objections are the platform's objections
(lifecycle ``objection``) naming the evaluation. ``grants.services.notices`` hands its
confirmation and the ruling on such an objection to :func:`confirm_results` and
:func:`uphold_on_evaluation`, so ``flask notices close-due`` closes evaluation notices too.

**Pass**: ``evaluation.pass``, the award moves (``award.pass_midterm``/``pass_final``) and the
tranche waiting for that gate becomes due through :func:`grants.services.gates.gate_met`.
**Fail** (a score below the pass mark, or a report still missing after the reminder's grace):
``evaluation.fail``/``expire``, the award is suspended through
:func:`grants.services.settlement.suspend_locked` (``award.fail_midterm``/``fail_final``, its
unpaid tranches blocked, a clawback of what was paid and not accepted as spent) and, when the
round says so, the organisation is barred. Both run with the award row locked, as every payment
command does.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from sqlalchemy import func, select

from grants.domain import evaluations as rules
from grants.domain.clock import BEIJING, local_date, now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import msg, source_language, tr
from grants.domain.lifecycles import AWARD, EVALUATION, EVALUATION_SHEET, NOTICE, OBJECTION
from grants.domain.lifecycles.evaluation import (
    EXPIRING,
    FAILED,
    IN_NOTICE,
    OVERDUE_CANDIDATES,
    SCORED,
    SHEET_SUBMITTED,
)
from grants.domain.lifecycles.tranche import PENDING
from grants.domain.notice import AWAITING_RULING, OPEN_NOTICES, can_confirm
from grants.domain.permissions import ORGANIZERS, acting_roles, role_used
from grants.domain.permissions import evaluations as perms
from grants.domain.permissions.awards import objection_problems
from grants.domain.settlement import max_clawback
from grants.extensions import db
from grants.models import Organisation
from grants.models.awards import Award, Notice, Objection, Tranche
from grants.models.evaluations import Evaluation
from grants.services import is_row_id, locked, unit_of_work
from grants.services.awards import lock_round
from grants.services.evaluations.common import (
    allow,
    locked_evaluation,
    not_found,
    settings_of,
    tell_evaluators,
    tell_grantee,
)
from grants.services.gates import gate_met
from grants.services.lifecycle import apply
from grants.services.notices import is_open, notify_organizers
from grants.services.settlement import bar_locked, ledger_of, suspend_locked

# ------------------------------------------------------------------------------- publish


def publish_results(actor, round_id: int, kind: object, today: date | None = None) -> Notice:
    """Publish the round's scored evaluations of ``kind`` in a public notice that runs the
    round's notice days (7 by default) from today; evaluations failed for a missing report
    since the last notice are listed in it too. One ``notice.publish`` entry and one
    ``evaluation.publish`` per scored evaluation; refused (409) when none is scored."""
    allow(perms.can_manage_evaluations(actor))
    kind = rules.check_kind(kind)
    today = today or local_date()
    with unit_of_work():
        lock_round(round_id)
        scored = _of_round(round_id, kind, (SCORED,))
        if not scored:
            raise Refusal(msg("没有已评分、待公示的{kind}", kind=tr(rules.KIND_LABELS[kind])),
                          status=409)
        expired = [e for e in _of_round(round_id, kind, (FAILED,)) if e.notice_id is None]
        settings = settings_of(round_id)
        notice = Notice(round_id=round_id, kind=kind, starts_on=today,
                        ends_on=rules.results_notice_end(today, settings.notice_days))
        apply(NOTICE, notice, "publish", actor, payload={
            "round_id": round_id, "kind": kind, "starts_on": today.isoformat(),
            "ends_on": notice.ends_on.isoformat(), "notice_days": settings.notice_days,
            "pass_mark": settings.pass_mark,
            "evaluations": [_facts(e, settings.pass_mark) for e in scored],
            "expired": [e.id for e in expired]})
        for evaluation in scored:
            evaluation.notice_id = notice.id
            apply(EVALUATION, evaluation, "publish", actor,
                  payload={"notice_id": notice.id, "score": str(evaluation.score)})
            tell_grantee(evaluation, "“{title}”的{kind}结果已公示（得分 {score}），公示期至 {end}",
                         score=str(evaluation.score), end=notice.ends_on.isoformat())
        for evaluation in expired:
            evaluation.notice_id = notice.id
    return notice


def _of_round(round_id: int, kind: str, states) -> list[Evaluation]:
    """The round's evaluations of ``kind`` in ``states``, in award order, locked (before the
    notice's entry takes the chain's head)."""
    query = select(Evaluation).where(
        Evaluation.round_id == round_id, Evaluation.kind == kind,
        Evaluation.status.in_(states)).order_by(Evaluation.award_id).with_for_update()
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def _facts(evaluation: Evaluation, pass_mark: int) -> dict:
    """An evaluation's identity, score and outcome for audit payloads."""
    return {"evaluation_id": evaluation.id, "award_id": evaluation.award_id,
            "score": str(evaluation.score),
            "passes": rules.passes(evaluation.score, pass_mark)}


# ------------------------------------------------------------------------------- confirm


def open_objections(notice_id: int) -> int:
    """How many objections against a results notice's evaluations wait for a ruling."""
    return db.session.scalar(
        select(func.count(Objection.id)).join(Evaluation, Evaluation.id == Objection.evaluation_id)
        .where(Evaluation.notice_id == notice_id, Objection.status.in_(AWAITING_RULING))) or 0


def confirm_results(notice_id: int, actor=None, today: date | None = None,
                    now: datetime | None = None) -> int:
    """Close an ended results notice with no objection waiting: each evaluation still in it
    passes or fails by the round's pass mark (see the module docstring). Returns how many
    were decided; refused (409, nothing written) before the end or with objections open.
    ``actor`` None is the scheduled ``flask notices close-due``.

    Every row the decisions change is locked (awards in id order, then their evaluations and
    the organisations a failure bars) before the first audit entry takes the chain's head:
    a payment approval holding one of those awards then finishes first, never waiting for
    the head this transaction holds."""
    today = today or local_date()
    round_id = db.session.scalar(select(Notice.round_id).where(Notice.id == notice_id))
    if round_id is None:
        raise Refusal(msg("找不到这次公示"), status=404)
    with unit_of_work():
        lock_round(round_id)
        notice = locked(Notice, notice_id, msg("找不到这次公示"))
        if notice.status not in OPEN_NOTICES:
            raise Refusal(msg("这次公示已经结束"), status=409)
        NOTICE.step(notice.status, "confirm", acting_roles(actor))
        _check_confirmable(notice, today)
        settings = settings_of(round_id)
        pending = [(locked(Award, e.award_id), locked(Evaluation, e.id))
                   for e in _of_notice(notice)]
        barred = {award.id: bar_target(award, settings) for award, _e in pending}
        notice.closed_at = stored(now_utc(now))
        apply(NOTICE, notice, "confirm", actor, payload={
            "kind": notice.kind, "pass_mark": settings.pass_mark,
            "decided": [_facts(e, settings.pass_mark) for _a, e in pending]})
        for award, evaluation in pending:
            decide(award, evaluation, settings, actor, barred[award.id], now)
    return len(pending)


def _check_confirmable(notice: Notice, today: date) -> None:
    """Refuse (409) before the notice has ended or while an objection waits for a ruling."""
    check = can_confirm(notice.ends_on, today, open_objections(notice.id))
    if check.ok:
        return
    if today <= notice.ends_on:
        raise Refusal(msg("公示期至 {when} 结束，期满后方可确认评估结果",
                          when=notice.ends_on.isoformat()), status=409)
    raise Refusal(msg("尚有 {count} 件异议未处理，处理完毕后方可确认评估结果",
                      count=open_objections(notice.id)), status=409)


def _of_notice(notice: Notice) -> list[Evaluation]:
    """The evaluations still standing in a notice, in award order (the lock order)."""
    return list(db.session.scalars(select(Evaluation).where(
        Evaluation.notice_id == notice.id, Evaluation.status == IN_NOTICE)
        .order_by(Evaluation.award_id)))


def bar_target(award: Award, settings: rules.Settings) -> Organisation | None:
    """The organisation a failure of this award would bar (locked now), or None when the
    round bars nobody or a resident team applied."""
    org_id = award.proposal.organisation_id
    if not settings.bar_years or org_id is None:
        return None
    return locked(Organisation, org_id, msg("找不到这个社会组织"))


def decide(award: Award, evaluation: Evaluation, settings: rules.Settings, actor,
           barred: Organisation | None = None, now: datetime | None = None) -> bool:
    """Pass or fail one evaluation standing in its notice, with the award (and ``barred``,
    the organisation a failure bars) locked; True when it passed."""
    passed = rules.passes(evaluation.score, settings.pass_mark)
    evaluation.decided_at = stored(now_utc(now))
    facts = {"award_id": award.id, "score": str(evaluation.score),
             "pass_mark": settings.pass_mark, "notice_id": evaluation.notice_id}
    if passed:
        apply(EVALUATION, evaluation, "pass", actor, payload=facts)
        _pass_award(award, evaluation, actor)
        return True
    with source_language():
        reason = msg("{kind} #{id} 未通过（得分 {score}，合格分数线 {mark}）",
                     kind=tr(rules.KIND_LABELS[evaluation.kind]), id=evaluation.id,
                     score=str(evaluation.score), mark=settings.pass_mark)
    evaluation.reason = reason
    apply(EVALUATION, evaluation, "fail", actor, payload=facts)
    fail_award(award, evaluation, settings, actor, reason, barred, now)
    return False


def _pass_award(award: Award, evaluation: Evaluation, actor) -> None:
    """Move the award past the evaluation and meet the tranche gate it opens (when the
    award's plan has a tranche still waiting for it)."""
    action = rules.PASS_ACTION[evaluation.kind]
    if not AWARD.can(award.status, action, acting_roles(actor)):
        return
    apply(AWARD, award, action, actor, payload={"evaluation_id": evaluation.id,
                                                "score": str(evaluation.score)})
    gate = rules.GATE_OF_KIND[evaluation.kind]
    waiting = db.session.scalar(select(Tranche.id).where(
        Tranche.award_id == award.id, Tranche.gate == gate, Tranche.status == PENDING))
    if waiting is not None:
        with source_language():
            evidence = msg("{kind} #{id} 通过（得分 {score}）",
                           kind=tr(rules.KIND_LABELS[evaluation.kind]), id=evaluation.id,
                           score=str(evaluation.score))
        gate_met(award.id, gate, evidence, actor)
    tell_grantee(evaluation, "“{title}”的{kind}已通过（得分 {score}）",
                 score=str(evaluation.score))


def fail_award(award: Award, evaluation: Evaluation, settings: rules.Settings, actor,
               reason: str, barred: Organisation | None, now: datetime | None = None) -> None:
    """Suspend the award of a failed evaluation (no further tranches, the unspent paid money
    clawed back) and bar ``barred`` (see :func:`bar_target`); an award already suspended or
    closed is left as it is."""
    roles = acting_roles(actor)
    action = next((a for a in (rules.FAIL_ACTION[evaluation.kind], "suspend")
                   if AWARD.can(award.status, a, roles)), None)
    if action is not None:
        clawback = max_clawback(ledger_of(award.id))
        suspend_locked(award, action, actor, reason, clawback, now,
                       facts={"evaluation_id": evaluation.id})
    if barred is not None:
        role = role_used(actor, ORGANIZERS) if actor is not None else "system"
        bar_locked(barred, settings.bar_years, reason, actor, role, now)
    tell_grantee(evaluation, "“{title}”的{kind}未通过，项目已暂停：{reason}", reason=reason)


# ------------------------------------------------------------------------------- objections


def file_objection(evaluation_id: int, text: str, user=None, name: str = "", phone: str = "",
                   today: date | None = None) -> Objection:
    """File an objection against an evaluation's published result during its notice period
    (logged in, or with a name and phone as the public); the objector gets a receipt token.
    One ``objection.file`` entry; the organizers are told."""
    anonymous = user is None
    problems = objection_problems(text or "", name or "", phone or "", anonymous)
    if problems:
        raise Refusal(msg("；").join(problems), status=422)
    with unit_of_work():
        evaluation = _open_to_objections(evaluation_id, today)
        objection = Objection(
            award_id=evaluation.award_id, evaluation_id=evaluation.id,
            user_id=getattr(user, "id", None), text=text.strip(),
            name="" if user else name.strip(), phone="" if user else phone.strip(),
            token=secrets.token_urlsafe(18))
        apply(OBJECTION, objection, "file", user, roles={"public"} if anonymous else None,
              payload={"award_id": evaluation.award_id, "evaluation_id": evaluation.id,
                       "by_account": not anonymous})
        with source_language():
            message = msg("收到对“{title}”评估结果的异议，请及时处理",
                          title=evaluation.award.proposal.title)
        notify_organizers(message, f"/evaluations/rounds/{evaluation.round_id}")
    return objection


def accepts_objections(evaluation: Evaluation, today: date | None = None) -> bool:
    """True while objections may be filed against the evaluation's result: it stands in its
    notice and the notice's period is running."""
    return (evaluation.notice is not None and evaluation.status == IN_NOTICE
            and is_open(evaluation.notice, today))


def _open_to_objections(evaluation_id: int, today: date | None) -> Evaluation:
    """The evaluation if its result is open to objections today (round locked first, as the
    notice's confirmation locks it); else 404 or 409 naming the period."""
    round_id = db.session.scalar(select(Evaluation.round_id).where(
        Evaluation.id == evaluation_id)) if is_row_id(evaluation_id) else None
    if round_id is None:
        raise not_found()
    lock_round(round_id)
    _award, evaluation = locked_evaluation(evaluation_id)
    if evaluation.notice is None:
        raise not_found()
    if not accepts_objections(evaluation, today):
        notice = evaluation.notice
        raise Refusal(msg("只能在公示期内（{start}至{end}）对公示中的评估结果提出异议",
                          start=notice.starts_on.isoformat(), end=notice.ends_on.isoformat()),
                      status=409)
    return evaluation


def uphold_on_evaluation(objection: Objection, actor, reason: str) -> None:
    """Rule an objection against an evaluation well-founded (called by
    :func:`grants.services.notices.uphold_objection`, objection and award locked): the
    evaluation goes back for scoring (``evaluation.rescore``, its sheets ``reopen``\\ ed) while
    it still stands in its notice. One ``objection.uphold`` entry saying what happened."""
    evaluation = locked(Evaluation, objection.evaluation_id, msg("找不到这项评估"))
    effect = "rescore" if evaluation.status == IN_NOTICE else "none"
    apply(OBJECTION, objection, "uphold", actor, reason=reason, payload={
        "award_id": objection.award_id, "evaluation_id": evaluation.id,
        "evaluation_effect": effect, "evaluation_status": evaluation.status})
    if effect == "none":
        return
    text = reason.strip()
    apply(EVALUATION, evaluation, "rescore", actor, reason=text,
          payload={"objection_id": objection.id, "score": str(evaluation.score)})
    evaluation.score = None
    for sheet in evaluation.sheets:
        if sheet.status == SHEET_SUBMITTED:
            apply(EVALUATION_SHEET, sheet, "reopen", actor, reason=text,
                  payload={"evaluation_id": evaluation.id, "objection_id": objection.id})
    tell_evaluators(evaluation, "“{title}”的{kind}结果因异议成立需重新评分")


# ------------------------------------------------------------------------------- deadlines


def remind_overdue(today: date | None = None, now: datetime | None = None) -> list[str]:
    """The scheduled check (``flask evaluations remind-overdue``), as ``system``: fail each
    reminded report whose grace period is over, then remind each report past its deadline.
    One transaction per evaluation; returns one line per evaluation acted on. Safe to run
    again: what was done is not done twice."""
    moment = now_utc(now) if now is not None or today is None else _noon(today)
    today = today or local_date(moment)
    lines = [_expire_one(evaluation_id, today, moment)
             for evaluation_id in _ids(EXPIRING, today)]
    lines += [_remind_one(evaluation_id, today, moment)
              for evaluation_id in _ids(OVERDUE_CANDIDATES, today)]
    return [line for line in lines if line]


def _noon(day: date) -> datetime:
    """Noon in Beijing on ``day``: the moment a check run "as on" that date records."""
    return datetime.combine(day, time(12), tzinfo=BEIJING)


def _ids(states, today: date) -> list[int]:
    """Evaluations in ``states`` whose deadline has passed, in id order."""
    return list(db.session.scalars(select(Evaluation.id).where(
        Evaluation.status.in_(states), Evaluation.due_on < today).order_by(Evaluation.id)))


def _remind_one(evaluation_id: int, today: date, moment: datetime) -> str | None:
    """Remind one overdue report (``evaluation.remind``) and tell its grantee the last day."""
    with unit_of_work():
        _award, evaluation = locked_evaluation(evaluation_id)
        if evaluation.status not in OVERDUE_CANDIDATES or not rules.is_overdue(
                evaluation.due_on, today):
            return None
        grace = settings_of(evaluation.round_id).grace_days
        last = rules.expires_on(today, grace)
        evaluation.reminded_at = stored(moment)
        apply(EVALUATION, evaluation, "remind", None, payload={
            "award_id": evaluation.award_id, "due_on": evaluation.due_on.isoformat(),
            "grace_days": grace, "last_day": last.isoformat()})
        tell_grantee(evaluation, "“{title}”的{kind}报告已逾期（截止 {due}），请于 {last} 前提交，"
                     "逾期将视为评估不通过", due=evaluation.due_on.isoformat(),
                     last=last.isoformat())
    return f"评估 #{evaluation_id}：已逾期提醒，最迟 {last.isoformat()}"


def _expire_one(evaluation_id: int, today: date, moment: datetime) -> str | None:
    """Fail one reminded report whose grace period is over, with the award's consequences."""
    with unit_of_work():
        award, evaluation = locked_evaluation(evaluation_id)
        settings = settings_of(evaluation.round_id)
        reminded = local_date(evaluation.reminded_at) if evaluation.reminded_at else today
        if evaluation.status not in EXPIRING or not rules.has_expired(
                reminded, settings.grace_days, today):
            return None
        with source_language():
            reason = msg("{kind}报告逾期未提交（截止 {due}，{reminded} 已提醒，宽限 {grace} 天）",
                         kind=tr(rules.KIND_LABELS[evaluation.kind]),
                         due=evaluation.due_on.isoformat(), reminded=reminded.isoformat(),
                         grace=settings.grace_days)
        barred = bar_target(award, settings)
        evaluation.reason, evaluation.decided_at = reason, stored(moment)
        apply(EVALUATION, evaluation, "expire", None, reason=reason,
              payload={"award_id": award.id})
        fail_award(award, evaluation, settings, None, reason, barred, moment)
    return f"评估 #{evaluation_id}：逾期未提交，判定不通过，项目已暂停"
