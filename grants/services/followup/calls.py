"""Calls: a caller's own numbers (the one place a full number is read out) and each attempt.

A caller sees only the numbers assigned to them, in samples that are open for calls; anyone
else asking for a number is told it does not exist. Each attempt locks the sample and then
the number (the order closing uses), moves the number through its lifecycle — the table holds
the limit of three attempts — and stores the attempt; the audit entry records the outcome and
the on-time answer, never the number or the notes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.lifecycles import FOLLOW_UP_CALL
from grants.domain.lifecycles.follow_up import OPEN_CALL_STATES, RECORDING_STATES
from grants.domain.permissions import acting_roles, role_used
from grants.domain.permissions import followup as perms
from grants.domain.quarters import quarter_label
from grants.domain.satisfaction import NO_ANSWER, OUTCOMES, REACHED_OUTCOMES, WRONG_NUMBER
from grants.extensions import db
from grants.models.followup import FollowUpAttempt, FollowUpCall, FollowUpSample, FollowUpStratum
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.followup.samples import locked_sample
from grants.services.lifecycle import apply

NOTES_MAX = 500
ACTION_OF = {NO_ANSWER: "miss", WRONG_NUMBER: "report_wrong_number",
             **{outcome: "reach" for outcome in REACHED_OUTCOMES}}
"""The call's lifecycle action for each outcome of an attempt."""
CALL_MISSING = "找不到这个回访号码"


def _not_found() -> Refusal:
    """The answer for a number that is not the reader's (or does not exist)."""
    return Refusal(msg(CALL_MISSING), status=404)


@dataclass(frozen=True)
class Answer:
    """One attempt as typed: the outcome, whether the service came on time, the notes."""

    outcome: str
    on_time: bool | None
    notes: str


def parse_answer(outcome: object, on_time: object, notes: object) -> Answer:
    """Check an attempt: a known outcome; for a reached beneficiary a yes or no on time (and
    none otherwise); notes up to :data:`NOTES_MAX` characters without control characters."""
    outcome = str(outcome or "").strip()
    if outcome not in OUTCOMES:
        raise Refusal(msg("请选择本次回访的结果"))
    text = str(notes or "").strip()
    if len(text) > NOTES_MAX:
        raise Refusal(msg("备注不能超过 {limit} 个字", limit=NOTES_MAX))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise Refusal(msg("备注不能包含控制字符"))
    answer = {"yes": True, "no": False}.get(str(on_time or "").strip())
    if outcome in REACHED_OUTCOMES and answer is None:
        raise Refusal(msg("接通后请选择服务是否按时到位"))
    return Answer(outcome, answer if outcome in REACHED_OUTCOMES else None, text)


def _sample_of(call_id: object) -> int:
    """The sample a number belongs to, read before locking; else 404."""
    if not is_row_id(call_id):
        raise _not_found()
    sample_id = db.session.scalar(select(FollowUpCall.sample_id).where(FollowUpCall.id == call_id))
    if sample_id is None:
        raise _not_found()
    return sample_id


def _finish(call: FollowUpCall, answer: Answer, target: str, moment: datetime) -> None:
    """Record on the number how it ended, once it has (reached, wrong, three misses)."""
    if target in OPEN_CALL_STATES:
        return
    call.outcome = answer.outcome
    call.on_time = answer.on_time
    call.finished_at = stored(moment)


def record_attempt(user, call_id: int, outcome: object, on_time: object = None,
                   notes: object = "", now: datetime | None = None) -> FollowUpCall:
    """The assigned caller records one attempt on a number of an open sample; audited once
    as ``follow_up_call.<reach|miss|report_wrong_number>``. A fourth attempt, a closed sample
    or a number that is not the caller's is refused and changes nothing."""
    answer = parse_answer(outcome, on_time, notes)
    moment = now_utc(now)
    with unit_of_work():
        sample = locked_sample(_sample_of(call_id))
        call = locked(FollowUpCall, call_id, msg(CALL_MISSING))
        if not perms.can_record_call(user, call.caller_id)[0]:
            raise _not_found()
        if sample.status not in RECORDING_STATES:
            raise Refusal(msg("本次回访尚未开始或已经结束，不能再登记"), status=409)
        if not call.beneficiary.phone:
            raise Refusal(msg("这个号码已按规定删除，不能再回访"), status=409)
        number = call.attempts + 1
        step = apply_attempt(call, user, answer, number)
        call.attempts = number
        db.session.add(FollowUpAttempt(call_id=call.id, number=number, outcome=answer.outcome,
                                       on_time=answer.on_time, notes=answer.notes,
                                       caller_id=user.id, recorded_at=stored(moment)))
        _finish(call, answer, step.target, moment)
    return call


def apply_attempt(call: FollowUpCall, user, answer: Answer, number: int):
    """Move the number by the attempt's action (the table refuses a fourth attempt)."""
    return apply(FOLLOW_UP_CALL, call, ACTION_OF[answer.outcome], user, payload={
        "sample_id": call.sample_id, "attempt": number, "outcome": answer.outcome,
        "on_time": answer.on_time})


# --- the caller's own list -------------------------------------------------------------------


@dataclass(frozen=True)
class MyCall:
    """One of the caller's numbers, in full: only ever built for its assigned caller."""

    id: int
    round_name: str
    quarter: str
    project: str
    draw_rank: int
    name: str
    phone: str
    community: str
    service: str
    status: str
    attempts: int
    outcome: str | None
    actions: list[str]
    notes: list[str]


def _own_calls(user) -> list[FollowUpCall]:
    """The numbers assigned to ``user`` in samples open for calls, in calling order."""
    if not perms.can_be_caller(user)[0]:
        return []
    return list(db.session.scalars(
        select(FollowUpCall).join(FollowUpSample, FollowUpCall.sample_id == FollowUpSample.id)
        .where(FollowUpCall.caller_id == user.id, FollowUpSample.status.in_(RECORDING_STATES))
        .options(joinedload(FollowUpCall.beneficiary), joinedload(FollowUpCall.history),
                 joinedload(FollowUpCall.stratum).joinedload(FollowUpStratum.award))
        .order_by(FollowUpCall.sample_id, FollowUpCall.stratum_id, FollowUpCall.draw_rank))
        .unique())


def my_calls(user) -> list[MyCall]:
    """The caller's own list with full numbers (each checked with
    :func:`~grants.domain.permissions.followup.can_see_number`): numbers still to call first,
    in calling order, then those done."""
    roles = acting_roles(user)
    found = []
    for call in _own_calls(user):
        if not perms.can_see_number(user, call.caller_id):
            continue
        person, sample = call.beneficiary, call.stratum.sample
        found.append(MyCall(
            call.id, sample.round.name, quarter_label(sample.quarter),
            call.stratum.award.proposal.title, call.draw_rank, person.name, person.phone,
            person.community, person.service, call.status, call.attempts, call.outcome,
            FOLLOW_UP_CALL.available(call.status, roles) if person.phone else [],
            [attempt.notes for attempt in call.history if attempt.notes]))
    return sorted(found, key=lambda item: not item.actions)


MY_LIST_COLUMNS = (("project", "项目"), ("rank", "顺序"), ("name", "姓名"), ("phone", "电话"),
                   ("community", "社区"), ("service", "服务内容"), ("status", "状态"),
                   ("attempts", "已拨打次数"))
"""The caller's list export: the one export that carries full numbers."""


def my_list_rows(user) -> list[dict[str, object]]:
    """The caller's own list for download, audited once as ``caller_list.download`` (how
    many numbers, never which)."""
    calls = my_calls(user)
    with unit_of_work():
        audit.record("caller_list.download", "user", user.id, {"numbers": len(calls)},
                     actor=user, actor_role=role_used(user, perms.FOLLOW_UP_CALLERS))
    return [{"project": call.project, "rank": call.draw_rank + 1, "name": call.name,
             "phone": call.phone, "community": call.community, "service": call.service,
             "status": FOLLOW_UP_CALL.state_label(call.status), "attempts": call.attempts}
            for call in calls]
