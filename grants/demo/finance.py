"""Demo disbursement (拨付): a completed earlier round whose money went out, and round 7's
agreements signed so that their first tranches are due.

第六届 (2025) runs end to end through the services: four proposals drafted, submitted and
screened inside its 2025 windows, scored by three judges, awarded within the pool, published
and confirmed, signed by each applicant and countersigned by the organizer. Its tranches are
then paid by the two finance officers (one requests, the other approves, the first records the
bank's reference): every first and second tranche is paid, one final tranche is paid, one
request was rejected (a wrong account) and one waits for approval.

Round 7's open objection is ruled on, its notice confirmed once its period is over (the demo
decides as on the day after the period), and every agreement signed and countersigned, so its
first tranches are due and the finance dashboard has work.

Everything goes through the services, so the audit chain covers it. Each step looks at what
exists first: running the seed again adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func, select

from grants.demo.judging import _score_all, _set_up_panel
from grants.demo.proposals import Demo, _bring_forward
from grants.demo.rounds import _at, _ensure_round, _objects_kept_after_commit, _round_data
from grants.domain.awards import Candidate
from grants.domain.clock import local_date
from grants.domain.phases import RoundPhases
from grants.extensions import db
from grants.models import FundingRound, Proposal, User
from grants.models.awards import Award, Notice, Tranche
from grants.models.payments import Payment
from grants.services import agreements, awards, judging, notices, payments, rounds

ROUND6_NAME = "第六届公益创投微项目"
ROUND6_NO = 6
ROUND6_POOL_YUAN = 60_000
ROUND6_TEXT = (
    "江宁区第六届公益创投微项目（2025 年）。本届四个微项目已全部签约实施，"
    "资金按协议分批拨付，拨付记录和付款凭证可在财务台账中查询。"
)
ROUND7_NO = 7
JUDGES6 = ("judge1", "judge2", "judge4")
OBJECTION_RULING = "经核实，宣传物料按活动场次测算，单价在合理范围内，异议不成立。"
REQUESTER, APPROVER = "finance1", "finance2"
PAYING_ACCOUNT = "3201 0188 0000 0612 3456"
"""The district's grant account the demo pays from."""
TEAM_ACCOUNT = "6217 0000 1000 0000 04"
"""The resident team leader's account (resident teams have no organisation account on file)."""
MIDTERM_EVIDENCE = "中期评估已通过（评估模块上线前由主办方登记，评估报告存档）"
FINAL_EVIDENCE = "结项评估已通过（评估模块上线前由主办方登记，评估报告存档）"
REJECT_REASON = "收款账号与协议登记的银行账户不一致，请核对后重新申请"

DEMOS6: tuple[Demo, ...] = (
    Demo(
        "org11", "乐活健康·慢病自我管理小组", "助老", "东山社区", "社区高血压、糖尿病老人",
        80, "社区慢性病老人多，对用药和饮食了解不多。",
        "组建慢病自我管理小组，社区医生每月授课、志愿者每周测量血压血糖。",
        (("健康讲座", "每月一次", "东山社区卫生服务站"),),
        (("血压计与血糖仪", "materials", "300.00", 10), ("健康手册印制", "publicity", "8.00", 300),
         ("讲座专家劳务", "personnel", "500.00", 6), ("小组活动茶歇", "activity", "200.00", 12)),
    ),
    Demo(
        "org12", "同心守护·困境儿童陪伴计划", "助幼", "上坊社区", "社区困境儿童及其家庭", 30,
        "部分困境儿童缺少课后陪伴和心理支持。",
        "社工每周开展陪伴小组，寒暑假组织成长营。",
        (("陪伴小组", "每周六上午", "上坊社区活动室"),),
        (("学习与游戏物资", "materials", "60.00", 60), ("社工督导劳务", "personnel", "400.00", 8),
         ("成长营活动", "activity", "1500.00", 2), ("家访交通补贴", "other", "30.00", 40)),
    ),
    Demo(
        "org1", "银龄食堂·送餐到楼", "助老", "竹山社区", "竹山社区高龄独居老人", 40,
        "高龄独居老人做饭困难，社区食堂离部分楼栋较远。",
        "志愿者每天中午把食堂午餐送到行动不便的老人家中。",
        (("送餐上门", "每周一至周五", "竹山社区各楼栋"),),
        (("保温送餐箱", "materials", "180.00", 10), ("送餐志愿者餐补", "personnel", "15.00", 200),
         ("午餐补贴", "materials", "10.00", 600)),
    ),
    Demo(
        "resident4", "楼道微更新·扶手防滑", "环保", "金箔路社区", "老旧小区无电梯楼栋居民", 120,
        "老小区楼道台阶陡、没有扶手，老人上下楼容易摔倒。",
        "居民自治小组组织施工队在 12 个楼道加装扶手和防滑条。",
        (("楼道施工", "分三批实施", "金箔路社区 3、5、7 栋"),),
        (("不锈钢扶手", "materials", "450.00", 12), ("防滑条", "materials", "6.00", 300),
         ("安装人工", "personnel", "150.00", 12)),
        ("杨志强", "黄美华", "赵德明"),
    ),
)


def round6_phases() -> RoundPhases:
    """The 2025 calendar of round 6: needs in March, proposals in April, judging in May,
    implementation from mid-June to the end of the year."""
    return RoundPhases(
        needs_open=_at(date(2025, 3, 3), 9),
        needs_close=_at(date(2025, 3, 21), 18),
        submit_open=_at(date(2025, 3, 24), 9),
        submit_close=_at(date(2025, 4, 25), 18),
        return_deadline=_at(date(2025, 5, 6), 18),
        screening_close=_at(date(2025, 5, 9), 18),
        judging_open=_at(date(2025, 5, 12), 9),
        judging_close=_at(date(2025, 5, 23), 18),
        notice_days=5,
        implementation_start=date(2025, 6, 16),
        implementation_end=date(2025, 12, 31),
    )


NOTICE6_DAY = date(2025, 5, 26)
"""Round 6's notice was published the Monday after judging closed."""


def _user(username: str) -> User | None:
    """A demo account by username."""
    return db.session.scalar(select(User).where(User.username == username))


def _round_no(number: int) -> FundingRound | None:
    """The first round with this number."""
    query = select(FundingRound).where(FundingRound.round_no == number)
    return db.session.scalar(query.order_by(FundingRound.id))


def seed() -> Iterator[str]:
    """Round 6 end to end, round 7's agreements signed, then the payments of both."""
    organizer = _user("organizer")
    if organizer is None:
        yield "finance: the organizer account not found, skipped"
        return
    with _objects_kept_after_commit():
        yield from _seed_round6(organizer)
        yield from _sign_round7(organizer)
        yield from _pay_round6(organizer)


# ------------------------------------------------------------------------------ round 6


def _seed_round6(organizer: User) -> Iterator[str]:
    """Create round 6 and bring it as far as it has not gone yet."""
    funding_round, made = _ensure_round(
        _round_data(ROUND6_NAME, ROUND6_NO, ROUND6_POOL_YUAN, round6_phases(), ROUND6_TEXT),
        organizer,
    )
    yield f"round 6: +{int(made)}"
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_([d.username for d in DEMOS6]))
    )}
    added = sum(_bring_forward(d, users[d.username], funding_round, organizer)
                for d in DEMOS6 if d.username in users)
    yield f"round 6 proposals: +{added}"
    yield from _judge_round6(funding_round, organizer)
    yield from _award_round6(funding_round, organizer)
    yield from _sign_all(funding_round, organizer, "round 6")


def _judge_round6(funding_round: FundingRound, organizer: User) -> Iterator[str]:
    """Three judges score every eligible proposal inside the 2025 window, then judging closes."""
    if judging.judging_closed(funding_round.id):
        return
    eligible = list(db.session.scalars(
        select(Proposal).where(Proposal.round_id == funding_round.id,
                               Proposal.status == "eligible").order_by(Proposal.id)
    ))
    judges = [j for j in (_user(name) for name in JUDGES6) if j is not None]
    if not eligible or len(judges) < len(JUDGES6):
        yield "round 6 judging: no eligible proposals or judges, skipped"
        return
    _set_up_panel(funding_round.id, judges, organizer)
    assignment = judging.generate_assignments(funding_round.id, organizer)
    start = funding_round.judging_open + timedelta(hours=2)
    sheets = _score_all(funding_round.id, eligible, judges, assignment, start)
    closing = rounds.phases_of(funding_round).judging_close + timedelta(hours=1)
    moved = judging.close_judging(funding_round.id, organizer, now=closing)
    yield f"round 6 judging: {sheets} sheets, {len(moved)} proposals scored"


def _award_round6(funding_round: FundingRound, organizer: User) -> Iterator[str]:
    """Award every scored proposal, publish the 2025 notice and confirm it after its period."""
    if db.session.scalar(select(func.count(Award.id)).where(Award.round_id == funding_round.id)):
        return
    candidates: list[Candidate] = awards.ranking_candidates(funding_round.id)
    if not candidates:
        yield "round 6 awards: no ranking, skipped"
        return
    awards.save_settings(funding_round.id, "60", False, organizer)
    made = awards.propose_awards(funding_round.id, candidates, organizer)
    notice = notices.publish_notice(funding_round.id, organizer, today=NOTICE6_DAY)
    count = notices.confirm_notice(notice.id, organizer, today=notice.ends_on + timedelta(days=1))
    yield f"round 6 awards: {len(made)} proposed, {count} confirmed"


def _sign_all(funding_round: FundingRound, organizer: User, name: str) -> Iterator[str]:
    """Each applicant signs its agreement, then the organizer countersigns it."""
    signed = countersigned = 0
    for agreement in agreements.agreements_of_round(funding_round.id):
        if agreement.applicant_signed_at is None:
            owner = agreement.award.proposal.applicant
            agreements.sign_as_applicant(agreement.id, owner)
            signed += 1
        if agreement.organizer_signed_at is None:
            agreements.countersign(agreement.id, organizer)
            countersigned += 1
    yield f"{name} agreements: +{signed} signed, +{countersigned} countersigned"


# ------------------------------------------------------------------------------ round 7


def _sign_round7(organizer: User) -> Iterator[str]:
    """Rule on round 7's open objections, confirm its notice, and sign its agreements."""
    funding_round = _round_no(ROUND7_NO)
    if funding_round is None:
        yield "round 7: not found, skipped"
        return
    notice = db.session.scalar(
        select(Notice).where(Notice.round_id == funding_round.id).order_by(Notice.id.desc())
    )
    if notice is None:
        yield "round 7: no notice yet, skipped"
        return
    if not agreements.agreements_of_round(funding_round.id):
        for objection in notices.objections_of_round(funding_round.id):
            if objection.decided_at is None:
                notices.dismiss_objection(objection.id, organizer, OBJECTION_RULING)
        count = notices.confirm_notice(notice.id, organizer,
                                       today=notice.ends_on + timedelta(days=1))
        yield f"round 7 notice: confirmed {count} awards"
    yield from _sign_all(funding_round, organizer, "round 7")



# ------------------------------------------------------------------------------ payments


def _payee(award: Award) -> tuple[str, str]:
    """Who is paid: the organisation's account on file, or the resident team's leader."""
    org = award.proposal.organisation
    if org is not None:
        return org.name, org.bank_account
    return f"{award.proposal.contact_name}（居民团队负责人）", TEAM_ACCOUNT


def _request(award: Award, tranche: Tranche, requester: User) -> Payment:
    """Request the whole tranche for the award's payee."""
    name, account = _payee(award)
    return payments.request_payment(requester, tranche.id, tranche.amount_fen, name, account)


def _pay(award: Award, tranche: Tranche, officers: tuple[User, User], number: int) -> None:
    """One officer requests, the other approves, the first records the bank's reference."""
    requester, approver = officers
    payment = _request(award, tranche, requester)
    payments.approve_payment(approver, payment.id)
    reference = f"JSB{local_date():%Y%m%d}{number:06d}"
    payments.mark_paid(requester, payment.id, reference, local_date(), PAYING_ACCOUNT)


def _pay_round6(organizer: User) -> Iterator[str]:
    """Pay round 6's tranches: every first and second tranche; the final ones of the first
    award paid, of the second rejected (wrong account), of the third waiting for approval;
    the fourth award's final evaluation is still to come."""
    funding_round = db.session.scalar(
        select(FundingRound).where(FundingRound.name == ROUND6_NAME))
    officers = (_user(REQUESTER), _user(APPROVER))
    if funding_round is None or None in officers:
        yield "round 6 payments: round or finance officers not found, skipped"
        return
    round_awards = awards.awards_of_round(funding_round.id)
    ids = [a.id for a in round_awards]
    if not ids or db.session.scalar(
        select(func.count(Payment.id)).where(Payment.award_id.in_(ids))
    ):
        return
    number = 0
    for index, award in enumerate(a for a in round_awards if a.tranches):
        for tranche in award.tranches:
            number += 1
            yield from _settle(award, tranche, index, officers, organizer, number)
    made = db.session.scalar(select(func.count(Payment.id)).where(Payment.award_id.in_(ids)))
    yield f"round 6 payments: +{made}"


def _settle(award: Award, tranche: Tranche, index: int, officers: tuple[User, User],
            organizer: User, number: int) -> Iterator[str]:
    """What happens to one tranche of round 6 (see :func:`_pay_round6`)."""
    final = tranche.sequence == len(award.tranches) and tranche.sequence > 1
    if final and index >= 3:
        return
    if tranche.gate != "agreement_signed":
        evidence = FINAL_EVIDENCE if final else MIDTERM_EVIDENCE
        payments.meet_gate(organizer, tranche.id, evidence)
    if not final or index == 0:
        _pay(award, tranche, officers, number)
        return
    payment = _request(award, tranche, officers[0])
    if index == 1:
        payments.reject_payment(officers[1], payment.id, REJECT_REASON)
        yield f"round 6 payments: {award.proposal.title} final tranche rejected"
    else:
        yield f"round 6 payments: {award.proposal.title} final tranche awaits approval"
