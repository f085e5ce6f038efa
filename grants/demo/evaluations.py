"""Demo evaluations (中期/结项评估) of round 6, as :mod:`grants.demo.expenses` leaves it: two
awards in implementation with their spending, scored by two third-party evaluators.

- Two evaluator accounts (``pinggu1``, ``pinggu2``, 第三方评估) are made if missing.
- **Mid-term** (September–October 2025): both grantees report — activities against the plan,
  beneficiaries, photos, the spending summary taken from their accepted expenses — and both
  evaluators score them on the default four dimensions. The results notice runs seven days;
  one objection is filed and dismissed with a reason. Its confirmation passes the first award
  (its second tranche was already released by hand, so the gate is left as it is) and fails
  the second (50.50 < 60): the award is suspended, its final tranche — whose payment was
  awaiting approval — blocked, and the paid money not accepted as spent recorded as a
  clawback.
- **Final** (December 2025–January 2026): the first award reports again, is scored and passes
  after its notice: ``final_passed``.

Everything goes through the services with the demo's dates, so the audit chain covers it.
Each step looks at what exists first: seeding again adds nothing.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time

from sqlalchemy import func, select

from grants.demo import DEMO_PASSWORD
from grants.demo.finance import ROUND6_NAME
from grants.domain.clock import BEIJING
from grants.domain.lifecycles.evaluation import EDITABLE, SCORED, SHEET_ASSIGNED, SUBMITTED
from grants.domain.notice import OPEN_NOTICES
from grants.extensions import db
from grants.models import FundingRound, User
from grants.models.awards import Notice, Objection
from grants.models.evaluations import Evaluation
from grants.services import accounts, notices
from grants.services import evaluations as svc
from grants.services.evaluations import results
from grants.services.evaluations.commands import openable_award_ids

EVALUATORS = (("pinggu1", "南京社会工作评估中心 周评估师"),
              ("pinggu2", "江苏民政第三方评估所 吴评估师"))
SETTINGS = {"rubric": "standard", "pass_mark": "60", "notice_days": "7", "grace_days": "5",
            "bar_years": "0"}
MIDTERM = {"open": date(2025, 9, 1), "due": "2025-09-30", "reports": date(2025, 9, 24),
           "scores": date(2025, 10, 9), "notice": date(2025, 10, 13),
           "objection": date(2025, 10, 15), "confirm": date(2025, 10, 20)}
FINAL = {"open": date(2025, 12, 1), "due": "2025-12-31", "reports": date(2025, 12, 26),
         "scores": date(2026, 1, 5), "notice": date(2026, 1, 6), "confirm": date(2026, 1, 13)}
GOOD = {"status": "done", "note": "按计划开展，累计服务 46 场次、1,150 人次，签到表已存档。",
        "beneficiaries": "62",
        "summary": "服务对象稳定参与，居民满意度回访良好；志愿者队伍 18 人，下一阶段将增加周末场次。"}
WEAK = {"status": "partly", "note": "原计划每周一次，实际开展 5 次，7 月起因场地问题暂停。",
        "beneficiaries": "14",
        "summary": "活动场地协调不顺，负责人更换，服务中断近两个月；已联系社区重新安排场地。"}
SCORES = {"good": ((26, 17, 17, 26), (25, 16, 18, 25)), "weak": ((14, 10, 9, 15), (16, 11, 10, 16)),
          "final": ((27, 18, 17, 26), (26, 17, 18, 27))}
COMMENTS = {"good": "活动按计划开展，台账清楚，支出与预算相符，成效明显。",
            "weak": "活动大面积中断，受益人数远低于计划，部分支出缺少活动佐证。",
            "final": "项目目标全部达成，资金使用规范，居民评价高，建议总结推广。"}
OBJECTION_TEXT = "评估期间我们已重新联系场地，希望评估人员考虑 9 月下旬恢复的两次活动。"
RULING = "经核实，9 月下旬的两次活动已计入评估报告并在评分时考虑，评分依据充分，异议不成立。"


def _at(day: date, hour: int = 10) -> datetime:
    """A Beijing wall-clock moment of a demo day."""
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def _user(username: str) -> User | None:
    """A demo account by username."""
    return db.session.scalar(select(User).where(User.username == username))


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small real PNG (a plain colour with a lighter band), so photos show in the pages."""
    light = bytes(min(255, c + 60) for c in rgb)
    rows = b"".join(b"\x00" + (light if height // 3 <= y < height // 2 else bytes(rgb)) * width
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def seed() -> Iterator[str]:
    """Round 6's evaluations, as far as they have not gone yet."""
    made = _evaluators()
    funding_round = db.session.scalar(
        select(FundingRound).where(FundingRound.name == ROUND6_NAME))
    organizer = _user("organizer")
    evaluators = [_user(name) for name, _label in EVALUATORS]
    if funding_round is None or organizer is None:
        yield f"evaluators: +{made}; round 6 not found, evaluations skipped"
        return
    before = _count(funding_round)
    if not before:
        svc.save_settings(organizer, funding_round.id, SETTINGS)
    _midterm(funding_round, organizer, evaluators)
    _final(funding_round, organizer, evaluators)
    yield f"evaluators: +{made}; round 6 evaluations: +{_count(funding_round) - before}"


def _evaluators() -> int:
    """The two third-party evaluator accounts."""
    made = 0
    for username, name in EVALUATORS:
        if _user(username) is None:
            accounts.create_staff_user(username, name, DEMO_PASSWORD, ("evaluator",))
            made += 1
    return made


def _count(funding_round: FundingRound) -> int:
    """How many evaluations round 6 holds."""
    return db.session.scalar(select(func.count(Evaluation.id)).where(
        Evaluation.round_id == funding_round.id))


def _of_kind(funding_round: FundingRound, kind: str) -> list[Evaluation]:
    """Round 6's evaluations of ``kind`` in award order."""
    return list(db.session.scalars(select(Evaluation).where(
        Evaluation.round_id == funding_round.id, Evaluation.kind == kind)
        .order_by(Evaluation.award_id)))


def _midterm(funding_round: FundingRound, organizer: User, evaluators: list[User]) -> None:
    """Open, report, score, publish, object, confirm: one passes, one fails."""
    found = _opened(funding_round, "midterm", MIDTERM, organizer)
    if len(found) < 2:
        return
    good, weak = found[:2]
    for evaluation in (good, weak):
        _staff(evaluation, organizer, evaluators)
    _report(good, GOOD, MIDTERM["reports"], photos=2)
    _report(weak, WEAK, MIDTERM["reports"], photos=1)
    _score(good, SCORES["good"], COMMENTS["good"], evaluators, MIDTERM["scores"])
    _score(weak, SCORES["weak"], COMMENTS["weak"], evaluators, MIDTERM["scores"])
    notice = _published(funding_round, "midterm", MIDTERM["notice"], organizer)
    if notice is not None:
        _objection(weak, organizer)
        _confirmed(notice, organizer, MIDTERM["confirm"])


def _final(funding_round: FundingRound, organizer: User, evaluators: list[User]) -> None:
    """The award that passed its mid-term is evaluated at the end and passes."""
    found = _opened(funding_round, "final", FINAL, organizer)
    if not found:
        return
    (final, *_rest) = found
    _staff(final, organizer, evaluators)
    _report(final, GOOD | {"beneficiaries": "71"}, FINAL["reports"], photos=3)
    _score(final, SCORES["final"], COMMENTS["final"], evaluators, FINAL["scores"])
    notice = _published(funding_round, "final", FINAL["notice"], organizer)
    if notice is not None:
        _confirmed(notice, organizer, FINAL["confirm"])


def _opened(funding_round: FundingRound, kind: str, plan: dict, organizer: User):
    """The round's evaluations of ``kind``, opened on the plan's day when there are none."""
    found = _of_kind(funding_round, kind)
    if found or not openable_award_ids(funding_round.id, kind):
        return found
    svc.open_evaluations(organizer, funding_round.id, kind, plan["due"], now=_at(plan["open"]))
    return _of_kind(funding_round, kind)


def _staff(evaluation: Evaluation, organizer: User, evaluators: list[User]) -> None:
    """Both evaluators on an evaluation that has none yet."""
    if evaluation.sheets:
        return
    for evaluator in evaluators:
        svc.assign_evaluator(organizer, evaluation.id, evaluator.id)


def _report(evaluation: Evaluation, text: dict, day: date, photos: int) -> None:
    """The grantee's report with ``photos`` photos, submitted on ``day``."""
    if evaluation.status not in EDITABLE:
        return
    data = {f"activity_{i}_{key}": text[key] for i in range(len(evaluation.report["activities"]))
            for key in ("status", "note")}
    data.update(beneficiaries=text["beneficiaries"], summary=text["summary"])
    colours = ((70, 130, 90), (60, 110, 160), (180, 120, 60))
    files = [(f"活动照片-{evaluation.id}-{n}.png", _png(96, 64, colours[n % 3]))
             for n in range(photos)]
    svc.save_report(evaluation.award.proposal.applicant, evaluation.id, data, files, submit=True,
                    now=_at(day))


def _score(evaluation: Evaluation, points, comment: str, evaluators: list[User],
           day: date) -> None:
    """Each evaluator's sheet, submitted on ``day``."""
    evaluation = db.session.get(Evaluation, evaluation.id)
    if evaluation.status != SUBMITTED:
        return
    keys = [c.key for c in svc.settings_of(evaluation.round_id).criteria]
    for evaluator, scores in zip(evaluators, points, strict=True):
        sheet = next(s for s in evaluation.sheets if s.evaluator_id == evaluator.id)
        if sheet.status == SHEET_ASSIGNED:
            data = {f"points_{key}": str(value) for key, value in zip(keys, scores, strict=True)}
            svc.submit_sheet(evaluator, sheet.id, {**data, "comment": comment}, now=_at(day, 15))


def _published(funding_round: FundingRound, kind: str, day: date, organizer: User):
    """The results notice of ``kind``, published on ``day`` when its evaluations are scored."""
    if any(e.status == SCORED for e in _of_kind(funding_round, kind)):
        svc.publish_results(organizer, funding_round.id, kind, today=day)
    return db.session.scalar(select(Notice).where(
        Notice.round_id == funding_round.id, Notice.kind == kind).order_by(Notice.id.desc()))


def _objection(evaluation: Evaluation, organizer: User) -> None:
    """The failing grantee objects during the notice; the organizer dismisses it."""
    if db.session.scalar(select(func.count(Objection.id)).where(
            Objection.evaluation_id == evaluation.id)):
        return
    grantee = evaluation.award.proposal.applicant
    objection = svc.file_objection(evaluation.id, OBJECTION_TEXT, grantee,
                                   today=MIDTERM["objection"])
    notices.dismiss_objection(objection.id, organizer, RULING)


def _confirmed(notice: Notice, organizer: User, day: date) -> None:
    """Confirm a notice still open, as on ``day``."""
    if notice.status in OPEN_NOTICES:
        results.confirm_results(notice.id, organizer, day, now=_at(day))
