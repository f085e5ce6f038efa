"""Reading the follow-up: a round's lists and samples, one sample's numbers and outcomes, the
tallies the rates come from, and the check that a sample is what its seed draws.

Pages get view rows, not model objects, and every number in them is masked: the full number
is only ever read by :mod:`grants.services.followup.calls` for the caller it is assigned to.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from grants.domain.beneficiaries import Beneficiary as Row
from grants.domain.beneficiaries import list_hash, mask_numbers_in, mask_phone
from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.lifecycles import FOLLOW_UP_SAMPLE
from grants.domain.lifecycles.follow_up import REACHED, UNREACHED, WRONG_NUMBER
from grants.domain.permissions import acting_roles
from grants.domain.permissions import followup as perms
from grants.domain.permissions.awards import public_applicant
from grants.domain.sampling import Stratum, draw_sample
from grants.domain.satisfaction import (
    DISSATISFIED,
    FAIRLY_SATISFIED,
    SATISFIED,
    Rate,
    Tally,
    total,
)
from grants.extensions import db
from grants.models import AuditEntry, FundingRound, User, UserRole
from grants.models.awards import Award
from grants.models.followup import (
    Beneficiary,
    BeneficiaryList,
    FollowUpCall,
    FollowUpSample,
    FollowUpStratum,
)
from grants.services import is_row_id
from grants.services.followup.lists import current_lists
from grants.services.followup.samples import (
    SAMPLE_MISSING,
    open_quarters,
    rules_of,
    sampled_awards,
)


def provider_name(proposal) -> str:
    """Who runs a project: its organisation, or the resident team by its leader."""
    if proposal.organisation is not None:
        return proposal.organisation.name
    leader = proposal.contact_name or getattr(proposal.applicant, "display_name", "")
    return msg("居民团队（负责人 {leader}）", leader=leader)


def public_provider_name(proposal) -> str:
    """How public pages (the league table and its 通报) name who runs a project: the
    organisation, or the resident team with its leader's surname only, as notices do."""
    leader = proposal.contact_name or getattr(proposal.applicant, "display_name", "")
    organisation = proposal.organisation.name if proposal.organisation is not None else None
    return public_applicant(organisation, leader)


# --- tallies -------------------------------------------------------------------------------------


_REACHED_FIELDS = {SATISFIED: "satisfied", FAIRLY_SATISFIED: "fairly_satisfied",
                   DISSATISFIED: "dissatisfied"}


def _add(counts: dict[str, int], status: str, outcome: str | None, on_time: bool | None,
         number: int) -> None:
    """Count ``number`` calls of one (state, outcome, on-time) group into a tally's fields."""
    if status == REACHED and outcome in _REACHED_FIELDS:
        counts[_REACHED_FIELDS[outcome]] += number
        counts["on_time"] += number if on_time else 0
    elif status == UNREACHED:
        counts["unreached"] += number
    elif status == WRONG_NUMBER:
        counts["wrong_number"] += number
    else:
        counts["pending"] += number


def tallies(sample_id: int) -> dict[int, Tally]:
    """Each project's final outcomes in the sample (by award id), in one statement."""
    groups = db.session.execute(
        select(FollowUpStratum.award_id, FollowUpCall.status, FollowUpCall.outcome,
               FollowUpCall.on_time, func.count(FollowUpCall.id))
        .join(FollowUpStratum, FollowUpCall.stratum_id == FollowUpStratum.id)
        .where(FollowUpCall.sample_id == sample_id)
        .group_by(FollowUpStratum.award_id, FollowUpCall.status, FollowUpCall.outcome,
                  FollowUpCall.on_time)).all()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for award_id, status, outcome, on_time, number in groups:
        _add(counts[award_id], status, outcome, on_time, number)
    return {award_id: Tally(**fields) for award_id, fields in counts.items()}


# --- a round -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectList:
    """One project of the round with its current list (None before an upload)."""

    award: Award
    provider: str
    current: BeneficiaryList | None


@dataclass(frozen=True)
class RoundView:
    """A round's follow-up page: its rules, its projects' lists, its samples, the quarters
    still open to a draw."""

    funding_round: FundingRound
    rules: object
    projects: list[ProjectList]
    samples: list[FollowUpSample]
    drawable: list[str]


def round_or_404(round_id: object) -> FundingRound:
    """The round, or a 404 refusal."""
    found = db.session.get(FundingRound, round_id) if is_row_id(round_id) else None
    if found is None:
        raise Refusal(msg("找不到这个赛事"), status=404)
    return found


def samples_of(round_id: int) -> list[FollowUpSample]:
    """The round's samples, newest quarter first."""
    return list(db.session.scalars(select(FollowUpSample).where(FollowUpSample.round_id == round_id)
                                   .order_by(FollowUpSample.quarter.desc())))


def round_view(round_id: object) -> RoundView:
    """Everything the round's follow-up page shows."""
    funding_round = round_or_404(round_id)
    awards = sampled_awards(funding_round.id)
    lists = current_lists([award.id for award in awards])
    samples = samples_of(funding_round.id)
    taken = {sample.quarter for sample in samples}
    return RoundView(
        funding_round, rules_of(funding_round.id),
        [ProjectList(award, provider_name(award.proposal), lists.get(award.id)) for award in awards],
        samples, [q for q in reversed(open_quarters(funding_round)) if q not in taken])


@dataclass(frozen=True)
class RoundSummary:
    """One round on the follow-up index: its projects, lists and samples counted."""

    funding_round: FundingRound
    projects: int
    lists: int
    samples: list[FollowUpSample]


def rounds_overview() -> list[RoundSummary]:
    """Rounds with projects in implementation or done, newest first."""
    projects = dict(db.session.execute(
        select(Award.round_id, func.count(Award.id))
        .where(Award.status.in_(perms.LIST_AWARD_STATES)).group_by(Award.round_id)).all())
    listed = dict(db.session.execute(
        select(BeneficiaryList.round_id, func.count(func.distinct(BeneficiaryList.award_id)))
        .group_by(BeneficiaryList.round_id)).all())
    rounds = db.session.scalars(select(FundingRound).where(FundingRound.id.in_(list(projects)))
                                .order_by(FundingRound.id.desc())).all()
    samples = defaultdict(list)
    for sample in db.session.scalars(select(FollowUpSample).order_by(FollowUpSample.quarter.desc())):
        samples[sample.round_id].append(sample)
    return [RoundSummary(r, projects[r.id], listed.get(r.id, 0), samples[r.id]) for r in rounds]


# --- a sample ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptView:
    """One recorded attempt, notes masked."""

    number: int
    outcome: str
    on_time: bool | None
    notes: str
    recorded_at: datetime


@dataclass(frozen=True)
class CallView:
    """One number of a sample as staff see it: masked."""

    id: int
    draw_rank: int
    name: str
    masked_phone: str
    erased: bool
    community: str
    status: str
    attempts: int
    outcome: str | None
    on_time: bool | None
    caller: str
    history: list[AttemptView]


@dataclass(frozen=True)
class StratumView:
    """One project of a sample: its list, callers, outcomes and rates."""

    stratum: FollowUpStratum
    title: str
    provider: str
    callers: list[str]
    tally: Tally
    calls: list[CallView]

    @property
    def satisfaction(self) -> Rate | None:
        """The project's satisfaction rate with its Wilson interval."""
        return self.tally.satisfaction()

    @property
    def timeliness(self) -> Rate | None:
        """The project's timeliness rate with its Wilson interval."""
        return self.tally.timeliness()


@dataclass(frozen=True)
class Verification:
    """Whether the sample is exactly what the audited seed draws from the audited lists."""

    ok: bool
    message: str


@dataclass(frozen=True)
class SampleView:
    """A sample's page: its strata with numbers masked, its actions, the check of its draw
    and who may be assigned."""

    sample: FollowUpSample
    funding_round: FundingRound
    strata: list[StratumView]
    actions: list[str]
    verification: Verification
    callers: list[User]
    can_run: bool

    @property
    def total(self) -> Tally:
        """The whole sample's outcomes."""
        return total(s.tally for s in self.strata)


def sample_or_404(sample_id: object) -> FollowUpSample:
    """The sample, or a 404 refusal."""
    found = db.session.get(FollowUpSample, sample_id) if is_row_id(sample_id) else None
    if found is None:
        raise Refusal(msg(SAMPLE_MISSING), status=404)
    return found


def _call_view(call: FollowUpCall) -> CallView:
    """A number as staff see it: masked, notes masked too."""
    person = call.beneficiary
    history = [AttemptView(a.number, a.outcome, a.on_time, mask_numbers_in(a.notes), a.recorded_at)
               for a in call.history]
    return CallView(call.id, call.draw_rank, person.name, mask_phone(person.phone),
                    not person.phone, person.community, call.status, call.attempts, call.outcome,
                    call.on_time, call.caller.display_name if call.caller else "", history)


def _calls_by_stratum(sample_id: int) -> dict[int, list[FollowUpCall]]:
    """The sample's numbers with their people, callers and attempts, by stratum."""
    calls = db.session.scalars(
        select(FollowUpCall).where(FollowUpCall.sample_id == sample_id)
        .options(joinedload(FollowUpCall.beneficiary), joinedload(FollowUpCall.caller),
                 joinedload(FollowUpCall.history))
        .order_by(FollowUpCall.stratum_id, FollowUpCall.draw_rank)).unique().all()
    found: dict[int, list[FollowUpCall]] = defaultdict(list)
    for call in calls:
        found[call.stratum_id].append(call)
    return found


def caller_candidates() -> list[User]:
    """Active accounts the organizer may assign numbers to, by name."""
    ids = select(UserRole.user_id).where(UserRole.role.in_(perms.FOLLOW_UP_CALLERS))
    return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))
                                   .order_by(User.display_name, User.id)))


def sample_view(user, sample_id: object) -> SampleView:
    """Everything a sample's page shows a follow-up reader (numbers masked)."""
    sample = sample_or_404(sample_id)
    by_stratum = _calls_by_stratum(sample.id)
    counts = tallies(sample.id)
    strata = []
    for stratum in sample.strata:
        calls = by_stratum.get(stratum.id, [])
        names = sorted({c.caller.display_name for c in calls if c.caller})
        strata.append(StratumView(stratum, stratum.award.proposal.title,
                                  provider_name(stratum.award.proposal), names,
                                  counts.get(stratum.award_id, Tally()),
                                  [_call_view(c) for c in calls]))
    can_run = perms.can_run_follow_up(user)[0]
    actions = FOLLOW_UP_SAMPLE.available(sample.status, acting_roles(user)) if can_run else []
    return SampleView(sample, sample.round, strata, actions, verify(sample),
                      caller_candidates() if can_run else [], can_run)


def draw_entry(sample_id: int) -> dict | None:
    """The facts of the sample's ``follow_up_sample.draw`` audit entry."""
    payload = db.session.scalar(select(AuditEntry.payload).where(
        AuditEntry.action == "follow_up_sample.draw", AuditEntry.object_type == "follow_up_sample",
        AuditEntry.object_id == sample_id))
    return json.loads(payload) if payload else None


def _stored_positions(sample_id: int) -> dict[int, list[int]]:
    """Each stratum's drawn list positions in calling order, as stored."""
    rows = db.session.execute(
        select(FollowUpStratum.award_id, Beneficiary.position)
        .join(FollowUpCall, FollowUpCall.stratum_id == FollowUpStratum.id)
        .join(Beneficiary, FollowUpCall.beneficiary_id == Beneficiary.id)
        .where(FollowUpStratum.sample_id == sample_id)
        .order_by(FollowUpStratum.award_id, FollowUpCall.draw_rank)).all()
    found: dict[int, list[int]] = defaultdict(list)
    for award_id, position in rows:
        found[award_id].append(position)
    return found


def _hashes_hold(sample: FollowUpSample) -> bool | None:
    """True when every stratum's stored rows still hash to the recorded list hash; None
    once numbers are erased (the hash can no longer be recomputed from the rows)."""
    for stratum in sample.strata:
        rows = db.session.scalars(select(Beneficiary).where(
            Beneficiary.list_id == stratum.list_id).order_by(Beneficiary.position)).all()
        if any(not row.phone for row in rows):
            return None
        people = [Row(r.name, r.phone, r.community, r.service) for r in rows]
        if list_hash(people) != stratum.list_hash:
            return False
    return True


def verify(sample: FollowUpSample) -> Verification:
    """Redraw from the seed, hashes and sizes in the draw's audit entry and compare with the
    numbers stored; then recompute each list's hash from its rows (while numbers are kept)."""
    facts = draw_entry(sample.id)
    if not facts or facts.get("seed") != sample.seed:
        return Verification(False, msg("审计日志中找不到与本样本一致的抽样种子"))
    strata = [Stratum(s["award_id"], s["list_hash"], s["rows"]) for s in facts["strata"]]
    redrawn = draw_sample(facts["seed"], strata, facts["quota"])
    audited = {s["award_id"]: s["positions"] for s in facts["strata"]}
    if redrawn != audited or redrawn != dict(_stored_positions(sample.id)):
        return Verification(False, msg("按审计日志中的种子重新抽样，结果与本样本不一致"))
    hashes = _hashes_hold(sample)
    if hashes is False:
        return Verification(False, msg("名单内容与抽样时记录的名单哈希不一致"))
    if hashes is None:
        return Verification(True, msg("按审计日志中的种子和名单哈希重新抽样，结果一致（号码已按规定删除，"
                                      "名单哈希无法再由号码重算）"))
    return Verification(True, msg("按审计日志中的种子和名单哈希重新抽样，结果一致；名单内容与哈希相符"))


def export_rows(sample_id: object):
    """The sample's numbers as export rows (numbers masked), in project and calling order."""
    sample = sample_or_404(sample_id)
    by_stratum = _calls_by_stratum(sample.id)
    for stratum in sample.strata:
        title = stratum.award.proposal.title
        for call in by_stratum.get(stratum.id, []):
            view = _call_view(call)
            yield {"project": title, "rank": view.draw_rank + 1, "name": view.name,
                   "phone": view.masked_phone, "community": view.community,
                   "status": view.status, "attempts": view.attempts,
                   "outcome": view.outcome or "", "on_time": view.on_time,
                   "caller": view.caller}

