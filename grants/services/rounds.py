"""Rounds (赛事): reading a round's calendar and rules, and creating or editing a round.

Other areas ask a round for its phases (:func:`phases_of`), the rules a proposal must meet
(:func:`rules_of`) and whether an action is open now (:func:`check_phase`). The database keeps
phase moments as naive UTC; everything handed out here is timezone-aware.

Creating and editing a round is an organiser's task (:data:`ORGANIZERS`): the audit entry
records the role of that group the actor holds, so an admin who is also an organiser is
recorded as ``organizer``. A refused save raises one :class:`Refusal` whose message joins every
problem, in form order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import func, select

from grants.domain import phases as phase_rules
from grants.domain.band import SITE_BAND, Band, narrow_band, validate_tiers
from grants.domain.budget import CategoryCap, validate_caps
from grants.domain.clock import aware, now_utc, stored
from grants.domain.deadline_moves import DeadlineMove, earlier_deadlines, needs_confirmation
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles import AWARD
from grants.domain.lifecycles.need import LISTED_STATES
from grants.domain.messages import message
from grants.domain.money import format_fen, yuan
from grants.domain.notice import OPEN_NOTICES
from grants.domain.permissions import ORGANIZERS, role_used
from grants.domain.permissions.rounds import can_manage_rounds
from grants.domain.phases import RoundFacts, RoundPhases, TimelineStep
from grants.domain.proposals import RoundRules
from grants.domain.workflow import Lifecycle, actions_from
from grants.extensions import db
from grants.models import FundingRound, Need, Proposal
from grants.models.awards import Award, Notice
from grants.models.judging import Assignment, JudgingSettings, ScoreSheet
from grants.models.rounds import DEFAULT_CATEGORIES
from grants.services import Refusal, audit, locked, unit_of_work
from grants.services.awards import refuse_pool_below_awards
from grants.services.notifications import notify

PHASE_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(RoundPhases))
POOL_MAX_FEN = yuan(10_000_000)
CATEGORY_MAX_CHARS = 20
CATEGORIES_MAX = 20
NAME_MAX_CHARS = 120
# Rules a submitted proposal was checked against: frozen once a proposal has been submitted.
RULE_FIELDS = frozenset({"band_min_fen", "band_max_fen", "tiers", "caps", "categories"})


def phases_of(funding_round: FundingRound) -> RoundPhases:
    """The round's calendar with aware (UTC) datetimes, ready for :mod:`grants.domain.phases`."""
    values = {}
    for name in PHASE_FIELDS:
        value = getattr(funding_round, name)
        values[name] = aware(value) if isinstance(value, datetime) else value
    return RoundPhases(**values)


def band_of(funding_round: FundingRound) -> Band:
    """The round's amount band."""
    return Band(funding_round.band_min_fen, funding_round.band_max_fen)


def caps_of(funding_round: FundingRound) -> tuple[CategoryCap, ...]:
    """The round's cost-category caps as domain objects."""
    return tuple(
        CategoryCap(cap["cost_category"], int(cap["max_pct"])) for cap in funding_round.caps or ()
    )


def rules_of(funding_round: FundingRound) -> RoundRules:
    """What the round demands of a proposal: band, tiers, caps and categories."""
    return RoundRules(
        band=band_of(funding_round),
        tiers=tuple(funding_round.tiers or ()),
        caps=caps_of(funding_round),
        categories=tuple(funding_round.categories or ()),
    )


def check_phase(
    funding_round: FundingRound, action: str, now: datetime | None = None
) -> str | None:
    """Why ``action`` (a key of ``phases.WINDOWS``) is closed now, naming the date; else None."""
    return phase_rules.check_window(phases_of(funding_round), action, now_utc(now))


def _reached_by(lifecycle: Lifecycle, action: str) -> frozenset[str]:
    """Every state a record can be in once ``action`` has happened to it (its target
    included), read from the state table so new states of later issues count too."""
    todo = [after for (_, name), (after, _) in lifecycle.table.items() if name == action]
    seen: set[str] = set()
    while todo:
        state = todo.pop()
        if state not in seen:
            seen.add(state)
            todo += [after for (before, _), (after, _) in lifecycle.table.items()
                     if before == state]
    return frozenset(seen)


AWARDED_STATES = _reached_by(AWARD, "confirm")
"""Awards confirmed after their notice, or further on (signed, implementing, closed …)."""
FINISHED_AWARDS = frozenset(s for s in AWARDED_STATES if not actions_from(AWARD.table, s))
"""Awarded states nothing follows (closed): a round whose awards are all here is over."""


def facts_of(round_ids: Iterable[int]) -> dict[int, RoundFacts]:
    """What happened in each round (judging closed, notices, awards): three grouped queries
    whatever the number of rounds, for the phase badges of a list page."""
    ids = sorted(set(round_ids))
    if not ids:
        return {}
    closed = set(db.session.scalars(select(JudgingSettings.round_id).where(
        JudgingSettings.round_id.in_(ids), JudgingSettings.closed_at.is_not(None))))
    notices: dict[int, set[str]] = {}
    for round_id, status in db.session.execute(select(Notice.round_id, Notice.status).where(
            Notice.round_id.in_(ids)).distinct()):
        notices.setdefault(round_id, set()).add(status)
    awarded = {round_id: (count, still_open) for round_id, count, still_open in db.session.execute(
        select(Award.round_id, func.count(Award.id),
               func.count(Award.id).filter(Award.status.not_in(FINISHED_AWARDS)))
        .where(Award.round_id.in_(ids), Award.status.in_(AWARDED_STATES))
        .group_by(Award.round_id))}
    return {
        round_id: RoundFacts(
            judging_closed=round_id in closed,
            notice_open=bool(notices.get(round_id, set()) & OPEN_NOTICES),
            notice_confirmed=bool(notices.get(round_id, set()) - OPEN_NOTICES),
            awarded=awarded.get(round_id, (0, 0))[0],
            awards_open=awarded.get(round_id, (0, 0))[1],
        )
        for round_id in ids
    }


def current_phase(
    funding_round: FundingRound, now: datetime | None = None, facts: RoundFacts | None = None
) -> str:
    """The phase key the round is really in (``needs`` … ``awarding``, ``notice``,
    ``implementation``, ``closed``): its calendar corrected by its notices and awards (see
    :func:`grants.domain.phases.round_phase`). Every phase badge shows this."""
    if facts is None:
        facts = facts_of([funding_round.id])[funding_round.id]
    return phase_rules.round_phase(phases_of(funding_round), now_utc(now), facts)


def phases_by_round(
    rounds: Iterable[FundingRound], now: datetime | None = None
) -> list[tuple[FundingRound, str]]:
    """Each round with its real phase key, for list pages (facts read in grouped queries)."""
    rounds = list(rounds)
    facts = facts_of(r.id for r in rounds)
    return [(r, current_phase(r, now, facts[r.id])) for r in rounds]


@dataclass(frozen=True)
class RoundLinks:
    """Where a round's page points: its running notice, its confirmed results (the latest
    confirmed notice) and whether it has a resident vote."""

    open_notice: int | None
    results: int | None
    vote: bool


def links_of(funding_round: FundingRound) -> RoundLinks:
    """The round's notice, results and vote, for the links on its page (two queries)."""
    notices = db.session.execute(
        select(Notice.id, Notice.status).where(Notice.round_id == funding_round.id)
        .order_by(Notice.id.desc())).all()
    running = next((nid for nid, status in notices if status in OPEN_NOTICES), None)
    confirmed = next((nid for nid, status in notices if status not in OPEN_NOTICES), None)
    settings = db.session.get(JudgingSettings, funding_round.id)
    vote = bool(settings and settings.vote_weight_pct and settings.vote_open)
    return RoundLinks(running, confirmed, vote)


def timeline_of(funding_round: FundingRound, now: datetime | None = None) -> list[TimelineStep]:
    """Every phase window of the round with its done/current/upcoming state, for the page:
    steps before the round's real phase are done, those after it upcoming."""
    phase = current_phase(funding_round, now)
    return phase_rules.timeline(phases_of(funding_round), now_utc(now), phase)


@dataclass(frozen=True)
class RoundData:
    """What an organiser fills in for a round: amounts in fen, phases as aware datetimes."""

    name: str
    district: str
    street: str
    description: str
    pool_fen: int
    band_min_fen: int
    band_max_fen: int
    phases: RoundPhases
    round_no: int = 1
    district_code: str = "JN"
    tiers: tuple[int, ...] = ()
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    caps: tuple[CategoryCap, ...] = ()


def _pool_problems(pool_fen: int, band_min_fen: int) -> list[str]:
    """The pool must fund at least one project at the band minimum and stay below the cap."""
    if pool_fen > POOL_MAX_FEN:
        return [
            msg(
                "资金池 {pool} 过大，不能超过 {limit}",
                pool=format_fen(pool_fen),
                limit=format_fen(POOL_MAX_FEN),
            )
        ]
    if pool_fen < band_min_fen:
        return [
            msg(
                "资金池 {pool} 不足以资助一个项目（本轮下限 {limit}）",
                pool=format_fen(pool_fen),
                limit=format_fen(band_min_fen),
            )
        ]
    return []


def _category_problems(categories: tuple[str, ...]) -> list[str]:
    """At least one category, at most 20, each named, short and listed once."""
    if not categories:
        return [msg("请至少设置一个项目类别")]
    problems = []
    if len(categories) > CATEGORIES_MAX:
        problems.append(
            msg(
                "项目类别最多 {max} 个（当前 {count} 个）",
                max=CATEGORIES_MAX,
                count=len(categories),
            )
        )
    if any(len(name) > CATEGORY_MAX_CHARS for name in categories):
        problems.append(msg("每个项目类别最多 {max} 个字", max=CATEGORY_MAX_CHARS))
    if len(set(categories)) != len(categories):
        problems.append(msg("项目类别有重复"))
    return problems


def _band_problems(data: RoundData) -> list[str]:
    """The band must lie inside the site band; the tiers inside the band."""
    try:
        band = narrow_band(SITE_BAND, data.band_min_fen, data.band_max_fen)
    except ValueError as error:
        return [str(error)]
    return validate_tiers(data.tiers, band)


def validate_round(data: RoundData) -> list[str]:
    """Every reason the round cannot be saved (empty when it can), in form order."""
    problems = []
    if not data.name.strip():
        problems.append(msg("请填写赛事名称"))
    elif len(data.name) > NAME_MAX_CHARS:
        problems.append(msg("赛事名称最多 {max} 个字", max=NAME_MAX_CHARS))
    if not data.district.strip():
        problems.append(msg("请填写所在区"))
    problems += _pool_problems(data.pool_fen, data.band_min_fen)
    problems += _band_problems(data)
    problems += _category_problems(data.categories)
    problems += validate_caps(data.caps)
    problems += phase_rules.validate_phases(data.phases)
    return problems


def _columns(data: RoundData) -> dict:
    """The model column values for the data (phases as naive UTC, caps as dicts)."""
    values = {
        "name": data.name.strip(),
        "district": data.district.strip(),
        "street": data.street.strip(),
        "description": data.description.strip(),
        "pool_fen": data.pool_fen,
        "band_min_fen": data.band_min_fen,
        "band_max_fen": data.band_max_fen,
        "round_no": data.round_no,
        "district_code": data.district_code.strip().upper(),
        "tiers": sorted(data.tiers),
        "categories": list(data.categories),
        "caps": [{"cost_category": c.cost_category, "max_pct": c.max_pct} for c in data.caps],
    }
    for name in PHASE_FIELDS:
        value = getattr(data.phases, name)
        values[name] = stored(value) if isinstance(value, datetime) else value
    return values


def _json_value(value):
    """A column value as JSON for the audit payload (moments and dates as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _checked(data: RoundData, actor) -> str:
    """Refuse an actor who may not manage rounds (403) or data that cannot be saved (400, as
    the round form's own checks answer); return the organiser role the audit entry records."""
    allowed, reason = can_manage_rounds(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    if problems := validate_round(data):
        raise Refusal(msg("；").join(problems), status=400)
    return role_used(actor, ORGANIZERS)


def create_round(data: RoundData, actor) -> FundingRound:
    """Create a round after checking band, tiers, caps, categories, pool and calendar."""
    role = _checked(data, actor)
    values = _columns(data)
    with unit_of_work():
        funding_round = FundingRound(created_by_id=actor.id, **values)
        db.session.add(funding_round)
        db.session.flush()
        payload = {key: _json_value(value) for key, value in values.items()}
        audit.record("round.create", "funding_round", funding_round.id, payload,
                     actor=actor, actor_role=role)
    return funding_round


class EarlierDeadlines(Refusal):
    """The edit brings live deadlines forward (to the past, or with people who planned on
    them): it is saved only when the organizer confirms. ``moves`` pairs each move needing
    confirmation with how many people it affects."""

    def __init__(self, moves: list[tuple[DeadlineMove, int]]) -> None:
        """A 409 naming every move; the form shows them with a confirmation box."""
        lines = [msg("{move}（影响 {n} 人）", move=move.describe().render(), n=count)
                 for move, count in moves]
        super().__init__(msg("本次修改将提前截止时间，请确认后再保存：{moves}",
                             moves=msg("；").join(lines)), status=409)
        self.moves = moves


def _affected(funding_round: FundingRound, field: str) -> set[int]:
    """Who planned on a deadline: draft owners (submission), owners of returned proposals
    (return deadline), judges with unsubmitted assigned sheets (judging)."""
    if field in ("submit_close", "return_deadline"):
        status = "draft" if field == "submit_close" else "returned"
        return set(db.session.scalars(select(Proposal.applicant_id).where(
            Proposal.round_id == funding_round.id, Proposal.status == status)))
    if field == "judging_close":
        submitted = select(ScoreSheet.id).where(
            ScoreSheet.judge_id == Assignment.judge_id,
            ScoreSheet.proposal_id == Assignment.proposal_id, ScoreSheet.status == "submitted")
        return set(db.session.scalars(select(Assignment.judge_id).where(
            Assignment.round_id == funding_round.id, ~submitted.exists())))
    return set()


def _deadline_moves(funding_round: FundingRound, data: RoundData, now: datetime | None,
                    confirmed: bool) -> list[tuple[DeadlineMove, set[int]]]:
    """The live deadlines the edit brings forward with the people each affects; refuse
    (:class:`EarlierDeadlines`) when one needs a confirmation that was not given."""
    moves = earlier_deadlines(phases_of(funding_round), data.phases, now_utc(now))
    found = [(move, _affected(funding_round, move.field)) for move in moves]
    pending = [(move, len(people)) for move, people in found
               if needs_confirmation(move, len(people))]
    if pending and not confirmed:
        raise EarlierDeadlines(pending)
    return found


def _refuse_judging_before_vote(funding_round: FundingRound, data: RoundData) -> None:
    """Judging may not close before the round's resident vote does (the vote must end by
    judging; the database refuses it too)."""
    settings = db.session.get(JudgingSettings, funding_round.id)
    closes = stored(data.phases.judging_close)
    if settings is not None and settings.vote_close and closes < settings.vote_close:
        raise Refusal(msg("评审截止时间不得早于居民投票截止时间（{when}），请先在评审设置中调整投票时间",
                          when=phase_rules.format_local(aware(settings.vote_close))), status=409)


def _tell_affected(funding_round: FundingRound, moves) -> list[dict]:
    """Notify everyone a brought-forward deadline affects; the audit payload's summary."""
    told = []
    for move, people in moves:
        note = message(N_("赛事“{round}”调整了时间：{move}，请据此安排"),
                       round=funding_round.name, move=move.describe())
        for user_id in sorted(people):
            notify(user_id, note, f"/rounds/{funding_round.id}")
        told.append({"field": move.field, "notified": len(people)})
    return told


def update_round(funding_round: FundingRound, data: RoundData, actor,
                 confirm_earlier: bool = False, now: datetime | None = None) -> dict:
    """Save an organiser's edit; audit the changed fields as ``{field: [before, after]}``.

    An edit that brings a live deadline forward to the past, or while people planned on it,
    needs ``confirm_earlier`` (else :class:`EarlierDeadlines`, 409); once saved the people
    affected are notified and the audit entry lists the moves. Returns the changes (empty
    when nothing changed, in which case nothing is written).
    """
    role = _checked(data, actor)
    changes = {}
    for key, value in _columns(data).items():
        before = getattr(funding_round, key)
        if before != value:
            changes[key] = [_json_value(before), _json_value(value)]
    if RULE_FIELDS.intersection(changes) and counts_of(funding_round)["proposals"]:
        raise Refusal(msg("已有项目提交申报，不能再修改资助范围、档位、费用上限或项目类别"),
                      status=409)
    if not changes:
        return changes
    _refuse_judging_before_vote(funding_round, data)
    moves = _deadline_moves(funding_round, data, now, confirm_earlier)
    with unit_of_work():
        row = locked(FundingRound, funding_round.id, msg("找不到该赛事"))
        refuse_pool_below_awards(funding_round.id, data.pool_fen)
        for key, value in _columns(data).items():
            setattr(row, key, value)
        payload = {"changes": changes}
        if moves:
            payload["earlier"] = _tell_affected(row, moves)
        audit.record("round.update", "funding_round", row.id, payload,
                     actor=actor, actor_role=role)
    return changes


def list_rounds() -> list[FundingRound]:
    """Every round, newest first."""
    return list(db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc())))


def get_round(round_id: int) -> FundingRound | None:
    """One round by id, or None."""
    return db.session.get(FundingRound, round_id)


def counts_of(funding_round: FundingRound) -> dict[str, int]:
    """How many needs (not merged) and how many proposals past draft the round has."""
    needs = db.session.scalar(
        select(func.count(Need.id)).where(
            Need.round_id == funding_round.id, Need.status.in_(LISTED_STATES)
        )
    )
    proposals = db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.round_id == funding_round.id, Proposal.status.not_in(("draft", "withdrawn"))
        )
    )
    return {"needs": needs or 0, "proposals": proposals or 0}
