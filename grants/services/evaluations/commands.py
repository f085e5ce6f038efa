"""Changing evaluations before their results: settings, opening, the grantee's report and
photos, returning and cancelling, assigning evaluators and their score sheets.

Each command is one ``unit_of_work`` that locks the award row first (then the evaluation, then
a sheet), checks with the domain (:mod:`grants.domain.evaluations`, the permissions of
:mod:`grants.domain.permissions.evaluations`), changes the rows and moves states only through
:func:`grants.services.lifecycle.apply` (one entry per object whose state changed, with the
role that authorised it). A refusal raises :class:`Refusal` with its HTTP status and changes
nothing. The results (notice, pass, fail, overdue) are in :mod:`.results`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import exists, select

from grants.domain import evaluations as rules
from grants.domain.budget import Problem
from grants.domain.clock import local_date, now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.inputs import is_digits
from grants.domain.lifecycles import AWARD, EVALUATION, EVALUATION_SHEET
from grants.domain.lifecycles.evaluation import (
    ACTIVE_SHEETS,
    EDITABLE,
    SHEET_SUBMITTED,
    STAFFABLE,
    SUBMITTED,
)
from grants.domain.permissions import ORGANIZERS, owns_proposal, role_used
from grants.domain.permissions import evaluations as perms
from grants.extensions import db
from grants.models import AttachmentBlob, User
from grants.models.awards import Award
from grants.models.evaluations import (
    Evaluation,
    EvaluationPhoto,
    EvaluationSettings,
    EvaluationSheet,
)
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.attachments import blob_in_use, store_blob
from grants.services.awards import lock_round
from grants.services.evaluations.common import (
    allow,
    locked_evaluation,
    locked_sheet,
    not_found,
    settings_of,
    tell_evaluators,
    tell_grantee,
)
from grants.services.expenses.commands import Upload, checked_uploads
from grants.services.expenses.figures import line_totals
from grants.services.lifecycle import apply
from grants.services.notifications import notify
from grants.services.settlement import ledger_of

# ------------------------------------------------------------------------------- settings


def save_settings(actor, round_id: int, data: Mapping[str, object]) -> EvaluationSettings:
    """The organizer sets a round's rubric, pass mark, notice days, grace days and bar years
    (one ``evaluation_settings.update`` entry with the values before and after). The rubric
    and the pass mark are frozen once an evaluator has submitted a sheet in the round (409)."""
    allow(perms.can_manage_evaluations(actor))
    wanted = rules.read_settings(data)
    with unit_of_work():
        lock_round(round_id)
        before = settings_of(round_id)
        frozen = (wanted.rubric, wanted.pass_mark) != (before.rubric, before.pass_mark)
        if frozen and _sheets_submitted(round_id):
            raise Refusal(msg("本轮已有评估人员提交评分，评分标准和合格分数线不能再修改"),
                          status=409)
        row = db.session.scalar(select(EvaluationSettings).where(
            EvaluationSettings.round_id == round_id)) or EvaluationSettings(round_id=round_id)
        for key, value in vars(wanted).items():
            setattr(row, key, value)
        db.session.add(row)
        db.session.flush()
        audit.record("evaluation_settings.update", "funding_round", round_id,
                     {"from": vars(before), "to": vars(wanted)}, actor=actor,
                     actor_role=role_used(actor, ORGANIZERS))
    return row


def _sheets_submitted(round_id: int) -> bool:
    """True when any sheet of the round's evaluations has been submitted."""
    query = select(EvaluationSheet.id).join(Evaluation).where(
        Evaluation.round_id == round_id, EvaluationSheet.status == SHEET_SUBMITTED)
    return bool(db.session.scalar(select(exists(query))))


# ------------------------------------------------------------------------------- opening


def open_evaluations(actor, round_id: int, kind: object, due_on: object,
                     now: datetime | None = None) -> list[Evaluation]:
    """Open a mid-term or final evaluation, due on ``due_on``, for every award of the round it
    applies to that has none of that kind yet (mid-term: signed or implementing awards, whose
    implementation is started first; final: awards past the mid-term). One ``evaluation.open``
    entry each; the grantees are told. Refused (409) when no award is waiting for one."""
    allow(perms.can_manage_evaluations(actor))
    moment = now_utc(now)
    kind = rules.check_kind(kind)
    due = rules.check_due(due_on, local_date(moment))
    with unit_of_work():
        lock_round(round_id)
        award_ids = openable_award_ids(round_id, kind)
        if not award_ids:
            raise Refusal(msg("没有需要启动{kind}的项目", kind=tr(rules.KIND_LABELS[kind])),
                          status=409)
        opened = [_open_one(locked(Award, award_id), kind, due, actor, moment)
                  for award_id in award_ids]
    return opened


def openable_award_ids(round_id: int, kind: str) -> list[int]:
    """The round's awards waiting for an evaluation of ``kind``, in id order."""
    taken = select(Evaluation.award_id).where(Evaluation.kind == kind)
    return list(db.session.scalars(select(Award.id).where(
        Award.round_id == round_id, Award.status.in_(rules.OPENABLE_AWARDS[kind]),
        Award.id.not_in(taken)).order_by(Award.id)))


def _open_one(award: Award, kind: str, due: date, actor, moment: datetime) -> Evaluation:
    """One award's evaluation: implementation started if need be, the planned activities
    copied from the proposal, the grantee told."""
    if kind == rules.MIDTERM and award.status in AWARD.sources(rules.START_ACTION):
        apply(AWARD, award, rules.START_ACTION, actor, payload={"cause": "evaluation.open"})
    planned = rules.planned_activities(award.proposal.activities)
    evaluation = Evaluation(
        award_id=award.id, round_id=award.round_id, kind=kind, due_on=due,
        opened_by_id=actor.id, opened_at=stored(moment),
        report={"activities": [{"planned": text, "status": "", "note": ""} for text in planned],
                "other_activities": ""})
    evaluation.award = award
    apply(EVALUATION, evaluation, "open", actor, payload={
        "award_id": award.id, "kind": kind, "due_on": due.isoformat(),
        "planned_activities": planned})
    tell_grantee(evaluation, "“{title}”的{kind}已启动，请于 {due} 前在线提交评估报告",
                 due=due.isoformat())
    return evaluation


# ------------------------------------------------------------------------------- report


def _photos(files: Iterable[tuple[str | None, bytes]]) -> list[Upload]:
    """Check photo files before anything is locked: JPEG or PNG by content, 10 MB each."""
    uploads = checked_uploads(files)
    for upload in uploads:
        if upload.content_type not in rules.PHOTO_TYPES:
            raise Refusal(msg("“{name}”：活动照片只接受 JPEG 或 PNG 图片", name=upload.filename),
                          [Problem("photos", msg("活动照片只接受 JPEG 或 PNG 图片"))], status=415)
    return uploads


def _editable(user, award: Award, evaluation: Evaluation) -> None:
    """Another grantee's evaluation is not found; a report no longer open to edits is 409."""
    if not owns_proposal(user, award.proposal):
        raise not_found()
    if evaluation.status not in EDITABLE:
        raise Refusal(msg("评估报告当前状态为“{state}”，不能再修改",
                          state=tr(EVALUATION.state_label(evaluation.status))), status=409)


def save_report(user, evaluation_id: int, data: Mapping[str, object],
                files: Iterable[tuple[str | None, bytes]] = (), submit: bool = False,
                now: datetime | None = None) -> Evaluation:
    """The grantee saves the report as typed (activities, other activities, beneficiaries,
    summary) and adds photos; with ``submit`` it is also submitted, once complete
    (``evaluation.submit``, with the spending summary from accepted expenses). Anything wrong
    refuses the whole request with every problem named (422), and nothing is kept."""
    moment = now_utc(now)
    uploads = _photos(files)
    with unit_of_work():
        award, evaluation = locked_evaluation(evaluation_id)
        _editable(user, award, evaluation)
        planned = [row["planned"] for row in evaluation.report.get("activities", [])]
        report = rules.read_report(data, planned)
        _check_photo_count(len(evaluation.photos), uploads)
        evaluation.report = report.stored()
        evaluation.beneficiaries, evaluation.summary = report.beneficiaries, report.summary
        _attach(evaluation, uploads, user)
        if submit:
            _submit(user, award, evaluation, report, moment)
    return evaluation


def _check_photo_count(existing: int, uploads: list[Upload]) -> None:
    """At most :data:`~grants.domain.evaluations.MAX_PHOTOS` photos on one report (409)."""
    if existing + len(uploads) > rules.MAX_PHOTOS:
        text = msg("每份评估报告最多上传 {max} 张照片（已有 {count} 张）",
                   max=rules.MAX_PHOTOS, count=existing)
        raise Refusal(text, [Problem("photos", text)], status=409)


def _attach(evaluation: Evaluation, uploads: list[Upload], user) -> None:
    """Store each photo's bytes once by sha256 and link it (one ``evaluation_photo.add``)."""
    for upload in uploads:
        store_blob(upload.sha256, upload.data)
        photo = EvaluationPhoto(sha256=upload.sha256, filename=upload.filename,
                                content_type=upload.content_type, size=len(upload.data),
                                uploaded_by_id=user.id)
        evaluation.photos.append(photo)
        db.session.flush()
        audit.record("evaluation_photo.add", "evaluation_photo", photo.id, {
            "evaluation_id": evaluation.id, "filename": photo.filename, "sha256": photo.sha256,
            "size": photo.size}, actor=user, actor_role="applicant")


def spending_summary(award: Award) -> dict:
    """The award's spending by budget line from accepted expenses, with what was paid."""
    lines = sorted(line_totals([award.id]).values(), key=lambda line: line.position)
    return rules.spending_summary(
        [vars(line) for line in lines], award.amount_fen, ledger_of(award.id).paid_fen)


def _submit(user, award: Award, evaluation: Evaluation, report: rules.Report,
            moment: datetime) -> None:
    """Submit a complete report: the spending summary is taken now; the evaluators are told."""
    missing = rules.missing_for_submission(report, len(evaluation.photos))
    if missing:
        raise Refusal(msg("评估报告尚未填写完整，未提交：请按提示补充"), missing)
    evaluation.spending = spending_summary(award)
    evaluation.submitted_by_id, evaluation.submitted_at = user.id, stored(moment)
    evaluation.reason = ""
    apply(EVALUATION, evaluation, "submit", user, owner=True, payload={
        "award_id": award.id, "kind": evaluation.kind, **evaluation.report,
        "beneficiaries": report.beneficiaries, "summary": report.summary,
        "photos": [photo.sha256 for photo in evaluation.photos],
        "accepted_fen": evaluation.spending["accepted_fen"],
        "paid_fen": evaluation.spending["paid_fen"]})
    tell_evaluators(evaluation, "“{title}”的{kind}报告已提交，请评分")


def remove_photo(user, photo_id: object) -> int:
    """The grantee removes a photo while the report is editable (``evaluation_photo.remove``);
    the bytes go once nothing else uses them. Returns the evaluation id."""
    if not is_row_id(photo_id):
        raise not_found()
    evaluation_id = db.session.scalar(select(EvaluationPhoto.evaluation_id).where(
        EvaluationPhoto.id == photo_id))
    if evaluation_id is None:
        raise not_found()
    with unit_of_work():
        award, evaluation = locked_evaluation(evaluation_id)
        _editable(user, award, evaluation)
        photo = locked(EvaluationPhoto, photo_id, tr(perms.NOT_FOUND))
        facts = {"evaluation_id": evaluation.id, "filename": photo.filename,
                 "sha256": photo.sha256}
        evaluation.photos.remove(photo)
        db.session.flush()
        if not blob_in_use(facts["sha256"]):
            db.session.delete(db.session.get(AttachmentBlob, facts["sha256"]))
        audit.record("evaluation_photo.remove", "evaluation_photo", photo_id, facts,
                     actor=user, actor_role="applicant")
    return evaluation_id


# ------------------------------------------------------------------------------- organizer


def return_report(actor, evaluation_id: int, reason: str) -> Evaluation:
    """The organizer returns an incomplete report to the grantee with a reason, before any
    evaluator has submitted a sheet (409 after); ``evaluation.return``."""
    allow(perms.can_manage_evaluations(actor))
    text = rules.check_reason(reason, N_("退回理由"))
    with unit_of_work():
        _award, evaluation = locked_evaluation(evaluation_id)
        if any(sheet.status == SHEET_SUBMITTED for sheet in evaluation.sheets):
            raise Refusal(msg("已有评估人员提交评分，不能再退回报告"), status=409)
        apply(EVALUATION, evaluation, "return", actor, reason=text,
              payload={"award_id": evaluation.award_id})
        evaluation.reason = text
        tell_grantee(evaluation, "“{title}”的{kind}报告被退回修改：{reason}", reason=text)
    return evaluation


def cancel_evaluation(actor, evaluation_id: int, reason: str) -> Evaluation:
    """The organizer cancels an evaluation that no longer applies, with a reason, before its
    results are published; ``evaluation.cancel`` (final for that award and kind)."""
    allow(perms.can_manage_evaluations(actor))
    text = rules.check_reason(reason, N_("取消理由"))
    with unit_of_work():
        _award, evaluation = locked_evaluation(evaluation_id)
        apply(EVALUATION, evaluation, "cancel", actor, reason=text,
              payload={"award_id": evaluation.award_id})
        evaluation.reason = text
    return evaluation


def _evaluator(evaluator_id: object) -> User:
    """The account to assign, or a 404."""
    text = str(evaluator_id or "").strip()
    user_id = int(text) if is_digits(text) and len(text) <= 10 else None
    user = db.session.get(User, user_id) if is_row_id(user_id) else None
    if user is None or not user.active:
        raise Refusal(msg("找不到这位评估人员"), [Problem("evaluator_id", msg(
            "请选择评估人员"))], status=404)
    return user


def assign_evaluator(actor, evaluation_id: int, evaluator_id: object) -> EvaluationSheet:
    """The organizer assigns an evaluator (an account with the evaluator role and no part in
    the project) before the evaluation is scored; ``evaluation_sheet.assign``, the evaluator
    told. Refused when already assigned (409)."""
    allow(perms.can_manage_evaluations(actor))
    evaluator = _evaluator(evaluator_id)
    with unit_of_work():
        award, evaluation = locked_evaluation(evaluation_id)
        allow(perms.can_be_evaluator(evaluator, award.proposal), 409)
        if evaluation.status not in STAFFABLE:
            raise Refusal(msg("该评估已评分完毕或已结束，不能再分配评估人员"), status=409)
        sheet = next((s for s in evaluation.sheets if s.evaluator_id == evaluator.id), None)
        if sheet is not None and sheet.status in ACTIVE_SHEETS:
            raise Refusal(msg("{name}已分配到这项评估", name=evaluator.display_name), status=409)
        if sheet is None:
            sheet = EvaluationSheet(evaluation_id=evaluation.id, evaluator_id=evaluator.id)
        sheet.assigned_by_id, sheet.assigned_at = actor.id, stored(now_utc())
        apply(EVALUATION_SHEET, sheet, "assign", actor, payload={
            "evaluation_id": evaluation.id, "evaluator_id": evaluator.id})
        with source_language():
            message = msg("您被分配评估“{title}”", title=award.proposal.title)
        notify(evaluator.id, message, f"/evaluations/sheets/{sheet.id}")
    return sheet


def withdraw_sheet(actor, sheet_id: int) -> EvaluationSheet:
    """The organizer withdraws an evaluator who has not submitted yet
    (``evaluation_sheet.withdraw``); when every remaining evaluator has scored, the evaluation
    is scored at once."""
    allow(perms.can_manage_evaluations(actor))
    with unit_of_work():
        _award, evaluation, sheet = locked_sheet(sheet_id)
        apply(EVALUATION_SHEET, sheet, "withdraw", actor,
              payload={"evaluation_id": evaluation.id, "evaluator_id": sheet.evaluator_id})
        db.session.flush()
        _score_when_complete(evaluation, actor)
    return sheet


# ------------------------------------------------------------------------------- evaluators


def submit_sheet(user, sheet_id: int, data: Mapping[str, object],
                 now: datetime | None = None) -> EvaluationSheet:
    """An evaluator submits their scores (every criterion of the round's rubric in half
    points, and a comment) on a submitted report: ``evaluation_sheet.submit``; the last one
    also scores the evaluation (``evaluation.score``, the mean of the sheets). Another
    evaluator's sheet is not found (404); a report not in for scoring is 409."""
    moment = now_utc(now)
    with unit_of_work():
        _award, evaluation, sheet = locked_sheet(sheet_id)
        allow(perms.can_score(user, sheet.evaluator_id), 404)
        if evaluation.status != SUBMITTED:
            raise Refusal(msg("评估当前状态为“{state}”，不在评分阶段",
                              state=tr(EVALUATION.state_label(evaluation.status))), status=409)
        EVALUATION_SHEET.step(sheet.status, "submit", {"evaluator"})
        scores = rules.read_sheet(data, settings_of(evaluation.round_id).criteria)
        sheet.points, sheet.comment = scores.points_half, scores.comment
        sheet.total_half = sum(scores.points_half.values())
        sheet.submitted_at = stored(moment)
        apply(EVALUATION_SHEET, sheet, "submit", user, payload={
            "evaluation_id": evaluation.id, "points_half": scores.points_half,
            "total": str(scores.total)})
        db.session.flush()
        _score_when_complete(evaluation, user)
    return sheet


def _score_when_complete(evaluation: Evaluation, actor) -> None:
    """Score a submitted evaluation once every evaluator taking part has submitted."""
    active = [s for s in evaluation.sheets if s.status in ACTIVE_SHEETS]
    if evaluation.status != SUBMITTED or not active \
            or any(s.status != SHEET_SUBMITTED for s in active):
        return
    settings = settings_of(evaluation.round_id)
    score = rules.score_of([rules.Sheet(s.points, s.comment).total for s in active])
    evaluation.score = score
    apply(EVALUATION, evaluation, "score", actor, payload={
        "award_id": evaluation.award_id, "score": str(score), "sheets": len(active),
        "pass_mark": settings.pass_mark, "passes": rules.passes(score, settings.pass_mark)})
