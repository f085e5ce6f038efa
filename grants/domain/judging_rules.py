"""Rules of online judging that the scoring, rubric and assignment modules leave to the platform.

Parsing what a judge typed into points, spotting conflicts of interest from the record,
blind-review labels, when a rubric is locked, the resident vote's limits and the checks on a
round's judging settings. Plain Python: the services pass plain values in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.phases import format_local
from grants.domain.rubric import Criterion, validate_points
from grants.domain.scoring import DEFAULT_MIN_TURNOUT, MIN_TURNOUT_LIMIT

COMMENT_MAX_CHARS = 2000
REASON_MAX_CHARS = 300
GUIDANCE_MAX_CHARS = 300
NAME_MAX_CHARS = 40
VOTE_WEIGHT_MAX_PCT = 50
VOTE_MAX_LIMIT = 50
JUDGES_PER_PROPOSAL_MAX = 50
NEED_FIT_KEY = "need_fit"
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
METHOD_LABELS = {
    "trimmed_mean": N_("去掉最高分和最低分后平均"),
    "mean": N_("算术平均"),
    "median": N_("中位数"),
}
MODE_LABELS = {"all": N_("全体评委评审全部项目（路演）"), "k": N_("每个项目随机分配 k 位评委")}

SCORING_STATES: frozenset[str] = PROPOSAL.sources("close_judging")
"""Proposal states judges score in: those the proposal table lets closing judging move on."""
RANKABLE_STATES: tuple[str, ...] = ("eligible", "scored", "awarded", "not_awarded")
"""Proposal states of the ranking: passed screening (being scored, or already further on)."""


# --------------------------------------------------------------------------- points


def parse_points(text: str | None, criterion: Criterion) -> tuple[Decimal | None, str | None]:
    """Read what a judge typed for one criterion: ``(points, None)``, ``(None, None)`` if blank,
    or ``(None, message)`` when it is not a number in ``[0, max]`` in half points.

    Full-width digits and surrounding spaces are accepted, as Chinese input methods produce them.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        return None, None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, _not_a_number(criterion)
    if not value.is_finite():
        return None, _not_a_number(criterion)
    problem = validate_points(criterion, value)
    return (None, problem) if problem else (value, None)


def _not_a_number(criterion: Criterion) -> str:
    """The message for points that are not a number at all."""
    return msg(
        "“{name}”得分须为数字（0–{max}，以 0.5 分为单位）",
        name=tr(criterion.name),
        max=criterion.max_points,
    )


def to_half_points(points: Decimal) -> int:
    """Points as stored: whole half points (7.5 → 15); ``points`` is already validated."""
    return int(points * 2)


def from_half_points(half: int) -> Decimal:
    """Stored half points back to exact ``Decimal`` points (15 → 7.5)."""
    return Decimal(half) / 2


def missing_criteria(criteria: Sequence[Criterion], scored: Iterable[str]) -> str | None:
    """Why a sheet cannot be submitted yet: the criteria still unscored, or ``None``."""
    done = set(scored)
    missing = [tr(c.name) for c in criteria if c.key not in done]
    if not missing:
        return None
    return msg("提交前须为每个评分项打分，尚未打分：{names}", names=join_list(missing))


def check_comment(comment: str) -> str | None:
    """A sheet's comment is optional but limited in length."""
    if len(comment.strip()) > COMMENT_MAX_CHARS:
        return msg(
            "评语最多 {max} 个字（当前 {count} 个字）",
            max=COMMENT_MAX_CHARS,
            count=len(comment.strip()),
        )
    return None


def check_reason(reason: str, what: str) -> str | None:
    """A reason (for a conflict or a reopened sheet) is required and at most 300 characters."""
    text = reason.strip()
    if not text:
        return msg("请填写{what}", what=tr(what))
    if len(text) > REASON_MAX_CHARS:
        return msg(
            "{what}最多 {max} 个字（当前 {count} 个字）",
            what=tr(what),
            max=REASON_MAX_CHARS,
            count=len(text),
        )
    return None


# --------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class JudgeFacts:
    """What the record says about a judge, for conflict detection."""

    judge_id: int
    organisation_id: int | None
    display_name: str


@dataclass(frozen=True)
class ApplicantFacts:
    """What the record says about who is behind a proposal."""

    proposal_id: int
    applicant_id: int
    organisation_id: int | None
    team: tuple[str, ...] = ()


def team_names(team: Iterable[object]) -> tuple[str, ...]:
    """Member names from a proposal's stored team list (names, or mappings with a ``name``)."""
    names = []
    for member in team or ():
        name = member.get("name", "") if isinstance(member, Mapping) else member
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return tuple(names)


def detect_conflict(judge: JudgeFacts, applicant: ApplicantFacts) -> str | None:
    """The conflict the record itself shows (applicant, org member, team member), else ``None``.

    These never depend on the judge remembering to declare them.
    """
    if judge.judge_id == applicant.applicant_id:
        return N_("评委本人是该项目的申报人")
    if judge.organisation_id is not None and judge.organisation_id == applicant.organisation_id:
        return N_("评委是申报机构的成员")
    if judge.display_name.strip() and judge.display_name.strip() in applicant.team:
        return N_("评委是该项目的团队成员")
    return None


def declared_applies(
    declared_proposal_id: int | None, declared_org_id: int | None, applicant: ApplicantFacts
) -> bool:
    """True when a declared conflict (per proposal or per organisation) covers this proposal."""
    if declared_proposal_id is not None and declared_proposal_id == applicant.proposal_id:
        return True
    return declared_org_id is not None and declared_org_id == applicant.organisation_id


# --------------------------------------------------------------------------- blind review


def attachment_alias(position: int, content_type: str) -> str:
    """A neutral file name for blind review: ``附件1.pdf``, ``附件2.jpg`` … (1-based)."""
    return msg("附件{n}", n=position) + EXTENSIONS.get(content_type, "")


def judge_labels(judge_ids: Iterable[int]) -> dict[int, str]:
    """``评委1…n`` in ascending id order: stable between pages, and it names nobody."""
    ordered = enumerate(sorted(set(judge_ids)), start=1)
    return {judge_id: msg("评委{n}", n=i) for i, judge_id in ordered}


# --------------------------------------------------------------------------- rubric


def rubric_lock_reason(now: datetime, judging_open: datetime, sheets_exist: bool) -> str | None:
    """Why the rubric can no longer be changed (judging opened, or a judge began), else None."""
    if sheets_exist:
        return msg("已有评委开始评分，评分表已锁定")
    if now >= judging_open:
        return msg("评审已开始，评分表已锁定")
    return None


def check_rubric_texts(criteria: Sequence[Criterion]) -> list[str]:
    """Names are required and short; guidance is limited (the rubric module checks the points)."""
    problems = []
    for index, criterion in enumerate(criteria, start=1):
        if not criterion.name.strip():
            problems.append(msg("第 {n} 个评分项须填写名称", n=index))
        elif len(criterion.name) > NAME_MAX_CHARS:
            problems.append(msg("评分项名称最多 {max} 个字", max=NAME_MAX_CHARS))
        if len(criterion.guidance) > GUIDANCE_MAX_CHARS:
            problems.append(
                msg(
                    "“{name}”的评分说明最多 {max} 个字",
                    name=tr(criterion.name),
                    max=GUIDANCE_MAX_CHARS,
                )
            )
    return problems


def need_fit_key(criteria: Sequence[Criterion]) -> str:
    """The criterion used for the first tie-break: 需求契合度, else the first criterion."""
    keys = [c.key for c in criteria]
    if NEED_FIT_KEY in keys:
        return NEED_FIT_KEY
    named = [c.key for c in criteria if c.name == "需求契合度"]
    return named[0] if named else keys[0]


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SettingsInput:
    """A round's judging settings as the organizer submitted them."""

    mode: str
    judges_per_proposal: int
    seed: int
    blind: bool
    method: str
    normalise: bool
    vote_weight_pct: int
    vote_max_per_resident: int
    vote_open: datetime | None
    vote_close: datetime | None
    vote_min_turnout: int = DEFAULT_MIN_TURNOUT


def check_settings(settings: SettingsInput, judging_close: datetime | None = None) -> list[str]:
    """Every problem with a round's judging settings (empty when they can be saved).

    ``judging_close`` is the round's close of judging (stored naive UTC like the vote window):
    the vote must close no later, so the ranking cannot change after the award list is drawn.
    """
    problems = []
    if settings.mode not in MODE_LABELS:
        problems.append(msg("评审方式无效"))
    if settings.method not in METHOD_LABELS:
        problems.append(msg("汇总方法无效"))
    if not 1 <= settings.judges_per_proposal <= JUDGES_PER_PROPOSAL_MAX:
        problems.append(msg("每个项目的评委人数须在 1 至 {max} 之间", max=JUDGES_PER_PROPOSAL_MAX))
    if not 0 <= settings.vote_weight_pct <= VOTE_WEIGHT_MAX_PCT:
        problems.append(msg("居民投票权重须在 0 至 {max}% 之间", max=VOTE_WEIGHT_MAX_PCT))
    if not 1 <= settings.vote_max_per_resident <= VOTE_MAX_LIMIT:
        problems.append(msg("每位居民可支持的项目数须在 1 至 {max} 之间", max=VOTE_MAX_LIMIT))
    if settings.vote_weight_pct and not (settings.vote_open and settings.vote_close):
        problems.append(msg("启用居民投票时须填写投票开始和截止时间"))
    if settings.vote_open and settings.vote_close and settings.vote_open >= settings.vote_close:
        problems.append(msg("投票截止时间须晚于投票开始时间"))
    if not 1 <= settings.vote_min_turnout <= MIN_TURNOUT_LIMIT:
        problems.append(msg("最低投票人数须在 1 至 {max} 之间", max=MIN_TURNOUT_LIMIT))
    if vote_after_judging(settings.vote_close, judging_close):
        problems.append(vote_after_judging_message(judging_close))
    return problems


def vote_after_judging(vote_close: datetime | None, judging_close: datetime | None) -> bool:
    """True when a vote window would still run after judging closes (both naive UTC or both
    aware)."""
    return vote_close is not None and judging_close is not None and vote_close > judging_close


def vote_after_judging_message(judging_close: datetime) -> str:
    """Why a vote window may not outlast judging, naming when judging closes (Beijing time)."""
    moment = judging_close if judging_close.tzinfo else judging_close.replace(tzinfo=UTC)
    return msg("投票截止时间不得晚于评审截止时间（{when}）", when=format_local(moment))


# --------------------------------------------------------------------------- resident vote


@dataclass(frozen=True)
class VoteState:
    """Where a resident stands in a round's vote."""

    weight_pct: int
    opens: datetime | None
    closes: datetime | None
    used: int
    limit: int
    already: bool
    judging_ends: datetime | None = None
    """When judging ends: the round's close of judging, or earlier if the organizer closed it."""


def check_vote(state: VoteState, now: datetime) -> str | None:
    """Why this resident cannot support this proposal now, else ``None``.

    The window is half-open like every other window: open from ``opens`` until ``closes``.
    Whatever the window says, no vote counts once judging has ended: the ranking the awards
    are drawn from must not change afterwards.
    """
    if not state.weight_pct or state.opens is None or state.closes is None:
        return msg("本轮未开放居民投票")
    if state.judging_ends is not None and now >= state.judging_ends:
        return msg("评审已结束，居民投票已截止")
    if now < state.opens:
        return msg("居民投票尚未开始")
    if now >= state.closes:
        return msg("居民投票已截止")
    if state.already:
        return msg("您已支持过这个项目，每个项目只能支持一次")
    if state.used >= state.limit:
        return msg("每位居民最多支持 {limit} 个项目，您的票数已用完", limit=state.limit)
    return None


# --------------------------------------------------------------------------- closing


def close_problem(
    now: datetime, judging_close: datetime, open_sheets: int, scored: int
) -> str | None:
    """Why judging cannot be closed yet, else ``None``.

    Before the deadline every assigned sheet must be submitted; after it, unfinished sheets are
    left out. At least one proposal needs a submitted sheet, or there is nothing to rank.
    """
    if open_sheets and now < judging_close:
        return msg("还有 {count} 份评分表未提交，评审截止前不能结束评审", count=open_sheets)
    if not scored:
        return msg("还没有任何已提交的评分表，不能结束评审")
    return None
