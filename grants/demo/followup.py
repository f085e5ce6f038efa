"""Demo satisfaction follow-up (回访) and the quarterly provider league table for round 6.

Built on round 6 as the earlier demo steps leave it (its four projects signed, paid and
reporting), only through the services:

- each project's grantee uploads its beneficiary list (a CSV of 24–40 people) in July 2025;
- the organizer sets the round's follow-up rules (20 numbers per project) and draws the
  **2025Q3** sample in September: projects 1–3 go to the third-party evaluator's caller
  ``caller1``, project 4 to the organizer's colleague ``organizer2``; every number is called
  (some only on the second or third try, a few never answer, two are wrong numbers) and the
  quarter is closed, so its league table and PDF 通报 are public — the last-placed provider
  trails, but its interval overlaps the others' and it is marked 证据不足 with the answers
  that would be needed;
- the **2025Q4** sample is drawn in December and still being called: ``caller1`` has numbers
  waiting on their own list.

Phone numbers are obviously made up (``1380000`` then the project and the row: 13800001001)
yet pass the platform's checks. Each step looks at what exists first: seeding again adds
nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select

from grants.demo.finance import ROUND6_NAME
from grants.domain.clock import BEIJING
from grants.domain.lifecycles.follow_up import RECORDING_STATES
from grants.extensions import db
from grants.models import FundingRound, User
from grants.models.followup import FollowUpCall, FollowUpSample, FollowUpSettings
from grants.services import accounts, followup
from grants.services.followup.lists import current_list
from grants.services.followup.samples import sampled_awards

CALLER = ("caller1", "江宁区社会组织评估中心 回访员 钱芳")
SECOND_CALLER = "organizer2"
QUOTA = 20
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何高林罗"
GIVEN = ("秀英", "桂兰", "建国", "玉珍", "志强", "淑芬", "德明", "翠萍", "长青", "美华", "宝林",
         "丽娟", "海涛", "振华", "晓燕", "永康")
SERVICES = {"乐活健康": "慢病小组活动、血压血糖测量", "同心守护": "周末陪伴小组",
            "银龄食堂": "午餐送餐上门", "楼道微更新": "楼道扶手安装"}
"""What each round-6 project's beneficiaries received, by the start of its title."""
LIST_SIZES = (40, 36, 30, 24)
LISTED_ON = date(2025, 7, 10)


@dataclass(frozen=True)
class Quarter:
    """One demo quarter: when it is drawn, the plan of attempts per project, and whether the
    quarter's calls are closed."""

    quarter: str
    drawn_on: date
    plans: tuple[tuple[tuple[str, ...], ...], ...]
    closed_on: date | None


def _plan(satisfied: int, fairly: int, dissatisfied: int, late: int, unreached: int,
          wrong: int, retried: int = 0) -> tuple[tuple[str, ...], ...]:
    """One project's 20 numbers as attempt sequences: answers (``late`` of them not on
    time, the last ones), some after a miss or two, never-answered and wrong numbers."""
    answers = (["satisfied"] * satisfied + ["fairly_satisfied"] * fairly
               + ["dissatisfied"] * dissatisfied)
    plans = []
    for index, answer in enumerate(answers):
        on_time = "no" if index >= len(answers) - late else "yes"
        misses = ("no_answer",) * (1 + index % 2) if index < retried else ()
        plans.append((*misses, f"{answer}:{on_time}"))
    plans += [("no_answer",) * 3] * unreached + [("wrong_number",)] * wrong
    return tuple(plans)


QUARTERS = (
    Quarter("2025Q3", date(2025, 9, 8), (
        _plan(14, 3, 1, 1, 1, 1, retried=3),
        _plan(12, 4, 1, 1, 2, 1, retried=2),
        _plan(13, 4, 2, 4, 1, 0, retried=4),
        _plan(9, 3, 4, 5, 2, 2, retried=2),
    ), date(2025, 9, 29)),
    Quarter("2025Q4", date(2025, 12, 8), tuple(
        _plan(5, 2, 0, 0, 0, 0, retried=1)[:7] for _project in range(4)), None),
)
NOTES = {"dissatisfied": "受访者反映服务次数比约定的少，希望增加", "no": "受访者说服务有时晚到",
         "wrong_number": "空号", "no_answer": "无人接听"}


def _at(day: date, hour: int = 10) -> datetime:
    """A Beijing wall-clock moment of a demo day."""
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def _user(username: str) -> User | None:
    """A demo account by username."""
    return db.session.scalar(select(User).where(User.username == username))


def phone(project: int, row: int) -> str:
    """A made-up mobile number that passes the checks: 1380000, the project, the row."""
    return f"1380000{project}{row:03d}"


def service_of(title: str) -> str:
    """The service a project's beneficiaries received, as its list names it."""
    return next((text for start, text in SERVICES.items() if title.startswith(start)), title[:20])


def list_file(project: int, community: str, service: str) -> bytes:
    """Project ``project``'s beneficiary list as a CSV file (UTF-8 with BOM, as Excel saves)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("姓名", "电话", "社区", "服务内容"))
    for row in range(1, LIST_SIZES[project - 1] + 1):
        name = SURNAMES[(row * 7 + project) % len(SURNAMES)] + GIVEN[(row + project * 3) % len(GIVEN)]
        writer.writerow((name, phone(project, row), community, service))
    return buffer.getvalue().encode("utf-8-sig")


def seed() -> Iterator[str]:
    """Round 6's lists, its two quarterly samples and their calls, as far as not done."""
    funding_round = db.session.scalar(select(FundingRound).where(FundingRound.name == ROUND6_NAME))
    organizer, second = _user("organizer"), _user(SECOND_CALLER)
    if funding_round is None or organizer is None or second is None:
        yield "followup: round 6 or its organizers not found, skipped"
        return
    awards = sampled_awards(funding_round.id)[:4]
    if len(awards) < 4:
        yield "followup: round 6 has fewer than four signed projects, skipped"
        return
    caller = _caller()
    _rules(organizer, funding_round)
    lists = _lists(awards)
    calls = _count_attempts(funding_round)
    for quarter in QUARTERS:
        _quarter(quarter, funding_round, awards, organizer, (caller, caller, caller, second))
    yield (f"round 6 follow-up: +{lists} lists, +{_count_attempts(funding_round) - calls} "
           f"call attempts; callers caller1 (第三方评估) and organizer2")


def _caller() -> User:
    """The third-party evaluator's caller account."""
    found = _user(CALLER[0])
    if found is not None:
        return found
    from grants.demo import DEMO_PASSWORD

    return accounts.create_staff_user(CALLER[0], CALLER[1], DEMO_PASSWORD, ("evaluator",))


def _rules(organizer: User, funding_round: FundingRound) -> None:
    """Round 6's follow-up rules: 20 numbers per project, the default weights."""
    exists = db.session.scalar(select(func.count(FollowUpSettings.id))
                               .where(FollowUpSettings.round_id == funding_round.id))
    if not exists:
        followup.save_rules(organizer, funding_round.id, {
            "quota": QUOTA, "weight_evaluation": 40, "weight_satisfaction": 40,
            "weight_timeliness": 20, "erase_after_days": 90})


def _lists(awards) -> int:
    """Each project's list, uploaded by its grantee; returns how many were added."""
    made = 0
    for project, award in enumerate(awards, start=1):
        if current_list(award.id) is not None:
            continue
        proposal = award.proposal
        community = proposal.community.name if proposal.community else "东山社区"
        followup.upload_list(proposal.applicant, award.id, f"受益人名单-{project}.csv",
                             list_file(project, community, service_of(proposal.title)),
                             now=_at(LISTED_ON))
        made += 1
    return made


def _quarter(quarter: Quarter, funding_round: FundingRound, awards, organizer: User,
             callers) -> None:
    """Draw, assign, call and (for a finished quarter) close one quarter's sample."""
    sample = db.session.scalar(select(FollowUpSample).where(
        FollowUpSample.round_id == funding_round.id, FollowUpSample.quarter == quarter.quarter))
    if sample is None:
        sample = followup.draw_sample(organizer, funding_round.id, quarter.quarter,
                                      now=_at(quarter.drawn_on))
        for award, caller in zip(awards, callers, strict=True):
            followup.assign_caller(organizer, sample.id, award.id, caller.id)
        followup.start_calling(organizer, sample.id)
    if sample.status not in RECORDING_STATES:
        return
    for award, plans, caller in zip(awards, quarter.plans, callers, strict=True):
        _call(sample, award, plans, caller, quarter.drawn_on)
    if quarter.closed_on is not None:
        followup.close_sample(organizer, sample.id, now=_at(quarter.closed_on, 17))


def _call(sample: FollowUpSample, award, plans, caller: User, drawn_on: date) -> None:
    """Record the attempts each number's plan still has ahead of it."""
    calls = db.session.scalars(
        select(FollowUpCall).join(FollowUpCall.stratum)
        .where(FollowUpCall.sample_id == sample.id)
        .order_by(FollowUpCall.draw_rank)).all()
    mine = [c for c in calls if c.stratum.award_id == award.id]
    for rank, (call, plan) in enumerate(zip(mine, plans, strict=False)):
        for number, step in enumerate(plan[call.attempts:], start=call.attempts + 1):
            outcome, _sep, on_time = step.partition(":")
            note = NOTES.get(on_time) if on_time == "no" else NOTES.get(outcome, "")
            moment = _at(date.fromordinal(drawn_on.toordinal() + 1 + rank // 4 + number), 9 + rank % 8)
            followup.record_attempt(caller, call.id, outcome, on_time or None, note or "",
                                    now=moment)


def _count_attempts(funding_round: FundingRound) -> int:
    """How many attempts round 6's samples hold."""
    return db.session.scalar(
        select(func.sum(FollowUpCall.attempts)).join(FollowUpSample)
        .where(FollowUpSample.round_id == funding_round.id)) or 0
