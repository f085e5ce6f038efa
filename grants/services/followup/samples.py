"""The quarterly sample: the round's rules, the draw, callers, and opening and closing it.

:func:`draw_sample` draws the seed and writes it (with every stratum's list hash, size and the
positions drawn) into the ``follow_up_sample.draw`` entry in the same transaction that stores
the sample and its numbers: the seed is on the chain before any attempt can be recorded, and
no list can be changed after seeing it (a later upload is a new list; the sample keeps its
own). Commands lock the sample row first; each state change goes through ``lifecycle.apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from grants.domain.clock import local_date, now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.followup_settings import Rules, parse_rules
from grants.domain.i18n import msg
from grants.domain.inputs import is_digits
from grants.domain.league import Weights
from grants.domain.lifecycles import FOLLOW_UP_SAMPLE
from grants.domain.lifecycles.follow_up import ASSIGNING_STATES, OPEN_CALL_STATES
from grants.domain.permissions import ORGANIZERS, owns_proposal, role_used
from grants.domain.permissions import followup as perms
from grants.domain.quarters import parse_quarter, quarter_of, quarters_between
from grants.domain.sampling import ALGORITHM, Stratum, new_seed
from grants.domain.sampling import draw_sample as draw_positions
from grants.extensions import db
from grants.models import FundingRound, User
from grants.models.awards import Award
from grants.models.followup import (
    Beneficiary,
    FollowUpCall,
    FollowUpSample,
    FollowUpSettings,
    FollowUpStratum,
)
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.followup.lists import current_lists
from grants.services.lifecycle import apply

ROUND_MISSING = "找不到这个赛事"
SAMPLE_MISSING = "找不到这个回访样本"


def _allow(decision: tuple[bool, str], status: int = 403) -> None:
    """Refuse with the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


# --- rules -------------------------------------------------------------------------------------


def rules_of(round_id: int) -> Rules:
    """The round's follow-up rules (the defaults until the organizer saves some)."""
    row = db.session.scalar(select(FollowUpSettings).where(FollowUpSettings.round_id == round_id))
    if row is None:
        return Rules()
    weights = Weights(row.weight_evaluation, row.weight_satisfaction, row.weight_timeliness)
    return Rules(row.quota, weights, row.erase_after_days)


def _rules_facts(rules: Rules) -> dict[str, int]:
    """The rules as the audit entry records them."""
    return {"quota": rules.quota, "weight_evaluation": rules.weights.evaluation,
            "weight_satisfaction": rules.weights.satisfaction,
            "weight_timeliness": rules.weights.timeliness,
            "erase_after_days": rules.erase_after_days}


def save_rules(actor, round_id: int, data: Mapping[str, object]) -> Rules:
    """The organizer sets the round's quota, weights and erasure period; audited as
    ``follow_up_settings.update`` with the rules before and after."""
    _allow(perms.can_run_follow_up(actor))
    rules, problems = parse_rules(data)
    if problems:
        raise Refusal(problems[0].message, problems=problems)
    with unit_of_work():
        funding_round = locked(FundingRound, round_id, msg(ROUND_MISSING))
        before = rules_of(funding_round.id)
        row = db.session.scalar(select(FollowUpSettings)
                                .where(FollowUpSettings.round_id == funding_round.id))
        if row is None:
            row = FollowUpSettings(round_id=funding_round.id)
            db.session.add(row)
        row.quota, row.erase_after_days = rules.quota, rules.erase_after_days
        row.weight_evaluation = rules.weights.evaluation
        row.weight_satisfaction = rules.weights.satisfaction
        row.weight_timeliness = rules.weights.timeliness
        row.updated_by_id = actor.id
        audit.record("follow_up_settings.update", "funding_round", funding_round.id,
                     {"from": _rules_facts(before), "to": _rules_facts(rules)}, actor=actor,
                     actor_role=role_used(actor, ORGANIZERS))
    return rules


# --- the draw ----------------------------------------------------------------------------------


def open_quarters(funding_round: FundingRound, now: datetime | None = None) -> list[str]:
    """The quarters a round may be sampled for: from the one its implementation starts in to
    the current one (never a quarter still to come), and none once its numbers are due for
    erasure."""
    erase_on = rules_of(funding_round.id).erase_on(funding_round.implementation_end)
    last = min(local_date(now), erase_on - timedelta(days=1))
    if last < funding_round.implementation_start:
        return []
    return quarters_between(funding_round.implementation_start, last)


def sampled_awards(round_id: int) -> list[Award]:
    """The round's awards whose projects serve people (signed or later), in id order."""
    return list(db.session.scalars(
        select(Award).where(Award.round_id == round_id,
                            Award.status.in_(perms.LIST_AWARD_STATES)).order_by(Award.id)))


def _checked_quarter(funding_round: FundingRound, quarter: object, now: datetime | None) -> str:
    """The quarter typed, when the round may be sampled for it and has not been."""
    try:
        year, number = parse_quarter(str(quarter or ""))
    except ValueError as error:
        raise Refusal(str(error)) from error
    text = f"{year}Q{number}"
    if text not in open_quarters(funding_round, now):
        raise Refusal(msg("只能为实施开始后至本季度（{now}）之间、电话删除之前的季度抽样",
                          now=quarter_of(local_date(now))))
    taken = db.session.scalar(select(func.count(FollowUpSample.id)).where(
        FollowUpSample.round_id == funding_round.id, FollowUpSample.quarter == text))
    if taken:
        raise Refusal(msg("本赛事 {quarter} 已经抽过样本，每季度只抽一次", quarter=text),
                      status=409)
    return text


def _strata(round_id: int) -> tuple[list[tuple[Award, object]], list[int]]:
    """The awards with a current list whose numbers are kept (and that list), and the awards
    without one."""
    awards = sampled_awards(round_id)
    lists = {award_id: found for award_id, found in current_lists([a.id for a in awards]).items()
             if found.numbers_erased_at is None}
    with_list = [(award, lists[award.id]) for award in awards if award.id in lists]
    return with_list, [award.id for award in awards if award.id not in lists]


def _store_numbers(sample: FollowUpSample, strata, drawn: dict[int, list[int]]) -> list[dict]:
    """The strata rows and their numbers in calling order; returns the strata's audit facts."""
    facts = []
    for award, beneficiary_list in strata:
        positions = drawn[award.id]
        stratum = FollowUpStratum(sample_id=sample.id, award_id=award.id,
                                  list_id=beneficiary_list.id, list_hash=beneficiary_list.list_hash,
                                  row_count=beneficiary_list.row_count, drawn=len(positions))
        db.session.add(stratum)
        db.session.flush()
        ids = dict(db.session.execute(select(Beneficiary.position, Beneficiary.id).where(
            Beneficiary.list_id == beneficiary_list.id, Beneficiary.position.in_(positions))).all())
        if positions:
            db.session.execute(insert(FollowUpCall), [
                dict(sample_id=sample.id, stratum_id=stratum.id, beneficiary_id=ids[position],
                     draw_rank=rank) for rank, position in enumerate(positions)])
        facts.append({"award_id": award.id, "list_id": beneficiary_list.id,
                      "list_hash": beneficiary_list.list_hash,
                      "rows": beneficiary_list.row_count, "positions": positions})
    return facts


def draw_sample(actor, round_id: int, quarter: object, now: datetime | None = None) -> FollowUpSample:
    """Draw the round's sample for a quarter: a fresh seed, each project's current list one
    stratum, the round's quota per project. Audited once as ``follow_up_sample.draw`` with
    the seed, the algorithm and every stratum's hash, size and positions."""
    _allow(perms.can_run_follow_up(actor))
    moment = now_utc(now)
    with unit_of_work():
        funding_round = locked(FundingRound, round_id, msg(ROUND_MISSING))
        text = _checked_quarter(funding_round, quarter, moment)
        strata, without = _strata(funding_round.id)
        if not strata:
            raise Refusal(msg("还没有项目上传受益人名单，无法抽样"), status=409)
        rules = rules_of(funding_round.id)
        seed = new_seed()
        drawn = draw_positions(seed, (Stratum(a.id, lst.list_hash, lst.row_count)
                                      for a, lst in strata), rules.quota)
        sample = FollowUpSample(round_id=funding_round.id, quarter=text, seed=seed,
                                algorithm=ALGORITHM, quota=rules.quota, drawn_by_id=actor.id,
                                drawn_at=stored(moment))
        facts = {"round_id": funding_round.id, "quarter": text, "seed": seed,
                 "algorithm": ALGORITHM, "quota": rules.quota, "without_list": without,
                 "strata": [{"award_id": a.id, "list_id": lst.id, "list_hash": lst.list_hash,
                             "rows": lst.row_count, "positions": drawn[a.id]}
                            for a, lst in strata]}
        apply(FOLLOW_UP_SAMPLE, sample, "draw", actor, payload=facts)
        _store_numbers(sample, strata, drawn)
    return sample


# --- callers, opening and closing ---------------------------------------------------------------


def row_id(value: object) -> int | None:
    """An id typed into a form (digits) or passed as an int, else None."""
    if isinstance(value, str) and is_digits(value.strip()) and len(value.strip()) < 11:
        value = int(value.strip())
    return value if is_row_id(value) else None


def locked_sample(sample_id: object) -> FollowUpSample:
    """Lock the sample row for the rest of the transaction (404 when there is none)."""
    if not is_row_id(sample_id):
        raise Refusal(msg(SAMPLE_MISSING), status=404)
    return locked(FollowUpSample, sample_id, msg(SAMPLE_MISSING))


def _caller(caller_id: object, award: Award) -> User:
    """The account numbers are assigned to: a caller role, and not the project's own team."""
    caller_id = row_id(caller_id)
    caller = db.session.get(User, caller_id) if caller_id else None
    if caller is None or not caller.active:
        raise Refusal(msg("请选择回访员"))
    _allow(perms.can_be_caller(caller), 422)
    if owns_proposal(caller, award.proposal):
        raise Refusal(msg("回访员不能是本项目的申报方"))
    return caller


def assign_caller(actor, sample_id: int, award_id: object, caller_id: object) -> int:
    """Give every still-open number of one project to a caller (while drawn or calling);
    audited once as ``follow_up_sample.assign_caller``. Returns how many numbers moved."""
    _allow(perms.can_run_follow_up(actor))
    with unit_of_work():
        sample = locked_sample(sample_id)
        if sample.status not in ASSIGNING_STATES:
            raise Refusal(msg("回访已结束，不能再分配回访员"), status=409)
        stratum = next((s for s in sample.strata if s.award_id == row_id(award_id)), None)
        if stratum is None:
            raise Refusal(msg("这个项目不在本次样本中"), status=404)
        caller = _caller(caller_id, stratum.award)
        calls = db.session.scalars(select(FollowUpCall).where(
            FollowUpCall.stratum_id == stratum.id, FollowUpCall.status.in_(OPEN_CALL_STATES))
            .with_for_update()).all()
        if not calls:
            raise Refusal(msg("这个项目的号码都已回访完毕"), status=409)
        before = sorted({call.caller_id for call in calls if call.caller_id})
        for call in calls:
            call.caller_id = caller.id
        audit.record("follow_up_sample.assign_caller", "follow_up_sample", sample.id,
                     {"award_id": stratum.award_id, "caller_id": caller.id, "calls": len(calls),
                      "from": before}, actor=actor, actor_role=role_used(actor, ORGANIZERS))
    return len(calls)


def _unassigned(sample_id: int) -> int:
    """Open numbers of the sample that no caller has yet."""
    return db.session.scalar(select(func.count(FollowUpCall.id)).where(
        FollowUpCall.sample_id == sample_id, FollowUpCall.caller_id.is_(None),
        FollowUpCall.status.in_(OPEN_CALL_STATES)))


def start_calling(actor, sample_id: int) -> FollowUpSample:
    """Open the sample to its callers once every number has one; audited once."""
    _allow(perms.can_run_follow_up(actor))
    with unit_of_work():
        sample = locked_sample(sample_id)
        missing = _unassigned(sample.id)
        if missing and sample.status in FOLLOW_UP_SAMPLE.sources("start_calling"):
            raise Refusal(msg("还有 {n} 个号码没有分配回访员", n=missing), status=409)
        apply(FOLLOW_UP_SAMPLE, sample, "start_calling", actor)
    return sample


def close_sample(actor, sample_id: int, now: datetime | None = None) -> FollowUpSample:
    """End the quarter's calls: numbers still open count as not reached; audited once with
    how many numbers were still open."""
    _allow(perms.can_run_follow_up(actor))
    with unit_of_work():
        sample = locked_sample(sample_id)
        still_open = db.session.scalar(select(func.count(FollowUpCall.id)).where(
            FollowUpCall.sample_id == sample.id, FollowUpCall.status.in_(OPEN_CALL_STATES)))
        apply(FOLLOW_UP_SAMPLE, sample, "close", actor, payload={"still_open": still_open})
        sample.closed_at = stored(now_utc(now))
    return sample
