"""Rules of the mid-term and final evaluations (中期/结项评估): kinds, rubrics, settings, the
grantee's report, the evaluators' sheets, the outcome and the deadlines.

Plain Python: the services pass plain values in and get values or a :class:`Refusal` back.

**Rubrics** are 100-point :class:`~grants.domain.rubric.Criterion` tuples scored in half points,
like the judges' sheets. A round uses one of two: the default four dimensions (项目实施 30,
资金投入与管理 20, 财务管理 20, 项目成效 30) or the performance-evaluation weighting (预算执行率
10, 产出 50, 效益 30, 满意度 10). An evaluation's score is the mean of its sheets' totals,
published with two decimals; it passes at the round's pass mark (60 by default) or above.

**Deadlines** are local dates. A report missing the day after its deadline is reminded; it
counts as failed once ``grace_days`` whole days have passed after the day of the reminder.
The results notice runs ``notice_days`` calendar days (7 by default), its first day included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from grants.domain.budget import Problem
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, tr
from grants.domain.inputs import is_digits
from grants.domain.judging_rules import parse_points, to_half_points
from grants.domain.lifecycles import AWARD
from grants.domain.rubric import Criterion
from grants.domain.scoring import mean, round_score
from grants.domain.settlement import MAX_BAR_YEARS

MIDTERM, FINAL = "midterm", "final"
KIND_LABELS: dict[str, str] = {MIDTERM: N_("中期评估"), FINAL: N_("结项评估")}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)
GATE_OF_KIND: dict[str, str] = {MIDTERM: "midterm_passed", FINAL: "final_passed"}
"""The tranche gate a passed evaluation of each kind meets."""
PASS_ACTION: dict[str, str] = {MIDTERM: "pass_midterm", FINAL: "pass_final"}
FAIL_ACTION: dict[str, str] = {MIDTERM: "fail_midterm", FINAL: "fail_final"}
START_ACTION = "start_implementation"
"""Opening a mid-term evaluation of a signed award starts its implementation first."""
OPENABLE_AWARDS: dict[str, frozenset[str]] = {
    MIDTERM: AWARD.sources("pass_midterm", START_ACTION),
    FINAL: AWARD.sources("pass_final"),
}
"""Awards an evaluation of each kind may be opened for."""

STANDARD = "standard"
PERFORMANCE = "performance"
RUBRICS: dict[str, tuple[Criterion, ...]] = {
    STANDARD: (
        Criterion("implementation", N_("项目实施"), 30,
                  N_("活动是否按计划开展，服务对象是否覆盖，进度与质量如何。")),
        Criterion("funding", N_("资金投入与管理"), 20,
                  N_("资金是否按预算投入，专款专用，调整是否履行程序。")),
        Criterion("finance", N_("财务管理"), 20,
                  N_("票据是否齐全合规，账目是否清楚，支出是否经财务认可。")),
        Criterion("effect", N_("项目成效"), 30,
                  N_("目标是否达成，受益居民的变化与评价，能否持续。")),
    ),
    PERFORMANCE: (
        Criterion("budget_rate", N_("预算执行率"), 10,
                  N_("已认可支出占资助金额的比例是否与进度相符。")),
        Criterion("outputs", N_("产出"), 50,
                  N_("活动场次、服务人次等产出指标的数量、质量与时效。")),
        Criterion("benefits", N_("效益"), 30,
                  N_("社会效益与可持续影响：服务对象和社区得到了什么。")),
        Criterion("satisfaction", N_("满意度"), 10,
                  N_("服务对象和社区居民的满意程度。")),
    ),
}
RUBRIC_LABELS: dict[str, str] = {
    STANDARD: N_("默认四维度（项目实施 30、资金投入与管理 20、财务管理 20、项目成效 30）"),
    PERFORMANCE: N_("绩效评价（预算执行率 10、产出 50、效益 30、满意度 10）"),
}

DEFAULT_PASS_MARK = 60
DEFAULT_NOTICE_DAYS = 7
DEFAULT_GRACE_DAYS = 5
MAX_NOTICE_DAYS = 30
MAX_GRACE_DAYS = 60
MAX_DUE_DAYS = 366
"""A deadline lies at most a year ahead."""

ACTIVITY_STATUSES: dict[str, str] = {
    "done": N_("已完成"),
    "partly": N_("部分完成"),
    "not_done": N_("未开展"),
}
NOTE_MAX_CHARS = 200
OTHER_MAX_CHARS = 1000
SUMMARY_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 2000
REASON_MAX_CHARS = 500
MAX_BENEFICIARIES = 1_000_000
MAX_PHOTOS = 12
PHOTO_TYPES = ("image/jpeg", "image/png")
_NUMBER_MAX_DIGITS = 9


# ------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """A round's evaluation settings: rubric, pass mark, notice and grace days, bar years."""

    rubric: str = STANDARD
    pass_mark: int = DEFAULT_PASS_MARK
    notice_days: int = DEFAULT_NOTICE_DAYS
    grace_days: int = DEFAULT_GRACE_DAYS
    bar_years: int = 0

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """The criteria of the chosen rubric."""
        return RUBRICS[self.rubric]


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character other than line breaks and tabs (NUL…)."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text)


def _whole(data: Mapping[str, object], name: str, label: str, low: int, high: int,
           problems: list[Problem]) -> int | None:
    """A whole number typed into ``name`` within ``[low, high]``, or None with a problem."""
    text = unicodedata.normalize("NFKC", str(data.get(name) or "")).strip()
    if is_digits(text) and len(text) <= _NUMBER_MAX_DIGITS and low <= int(text) <= high:
        return int(text)
    problems.append(Problem(name, msg("{label}须为 {low} 至 {high} 之间的整数",
                                      label=tr(label), low=low, high=high)))
    return None


def read_settings(data: Mapping[str, object]) -> Settings:
    """The settings typed into the organizer's form, or a 422 naming every problem."""
    problems: list[Problem] = []
    rubric = str(data.get("rubric") or "")
    if rubric not in RUBRICS:
        problems.append(Problem("rubric", msg("请选择评分标准")))
    numbers = {
        "pass_mark": _whole(data, "pass_mark", N_("合格分数线"), 1, 100, problems),
        "notice_days": _whole(data, "notice_days", N_("公示天数"), 1, MAX_NOTICE_DAYS,
                              problems),
        "grace_days": _whole(data, "grace_days", N_("逾期宽限天数"), 0, MAX_GRACE_DAYS,
                             problems),
        "bar_years": _whole(data, "bar_years", N_("未通过时禁止申报年限"), 0, MAX_BAR_YEARS,
                            problems),
    }
    if problems:
        raise Refusal(msg("评估设置有误，未保存"), problems)
    return Settings(rubric, **numbers)


# ------------------------------------------------------------------------------- opening


def check_due(due_on: object, today: date) -> date:
    """A report deadline: a date from today to a year ahead (422 otherwise)."""
    text = str(due_on or "").strip()
    try:
        day = due_on if isinstance(due_on, date) else date.fromisoformat(text)
    except ValueError:
        raise Refusal(msg("请填写有效的截止日期（如 2026-09-30）"), [
            Problem("due_on", msg("请填写有效的截止日期（如 2026-09-30）"))]) from None
    if not today <= day <= today + timedelta(days=MAX_DUE_DAYS):
        text = msg("截止日期须在今天至一年以内")
        raise Refusal(text, [Problem("due_on", text)])
    return day


def check_kind(kind: object) -> str:
    """``midterm`` or ``final``; anything else is a 400."""
    if kind not in KIND_LABELS:
        raise Refusal(msg("未知的评估类型"), status=400)
    return str(kind)


def planned_activities(activities: Sequence[object]) -> list[str]:
    """The proposal's planned activities as one line each (activity, dates, place)."""
    lines = []
    for row in activities or ():
        if isinstance(row, Mapping):
            extra = "，".join(str(row.get(k) or "").strip() for k in ("dates", "place")
                             if str(row.get(k) or "").strip())
            name = str(row.get("activity") or "").strip()
            text = f"{name}（{extra}）" if extra else name
        else:
            text = str(row).strip()
        if text:
            lines.append(text[:NOTE_MAX_CHARS])
    return lines


# ------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Report:
    """What the grantee wrote: each planned activity's status and note, other activities,
    beneficiaries reached (None until given) and the summary."""

    activities: tuple[dict, ...]
    other_activities: str
    beneficiaries: int | None
    summary: str

    def stored(self) -> dict:
        """The report as the evaluation row keeps it."""
        return {"activities": [dict(row) for row in self.activities],
                "other_activities": self.other_activities}


def _text(data: Mapping[str, object], name: str, label: str, limit: int,
          problems: list[Problem]) -> str:
    """Trimmed text of ``name``: no control characters, at most ``limit`` characters."""
    text = str(data.get(name) or "").strip()
    if has_control(text):
        problems.append(Problem(name, msg("{label}不能包含控制字符（如 NUL）", label=tr(label))))
        return ""
    if len(text) > limit:
        problems.append(Problem(name, msg("{label}最多 {max} 个字（当前 {count} 个字）",
                                          label=tr(label), max=limit, count=len(text))))
        return text[:limit]
    return text


def _beneficiaries(data: Mapping[str, object], problems: list[Problem]) -> int | None:
    """Beneficiaries reached: blank (None) or a whole number up to a million."""
    text = unicodedata.normalize("NFKC", str(data.get("beneficiaries") or "")).strip()
    if not text:
        return None
    if is_digits(text) and len(text) <= _NUMBER_MAX_DIGITS and int(text) <= MAX_BENEFICIARIES:
        return int(text)
    problems.append(Problem("beneficiaries", msg("受益人数须为 0 至 {max} 之间的整数",
                                                  max=MAX_BENEFICIARIES)))
    return None


def _activity(data: Mapping[str, object], index: int, planned: str,
              problems: list[Problem]) -> dict:
    """One planned activity's status (blank until chosen) and note."""
    status = str(data.get(f"activity_{index}_status") or "")
    if status and status not in ACTIVITY_STATUSES:
        problems.append(Problem(f"activity_{index}_status", msg("请选择活动完成情况")))
        status = ""
    note = _text(data, f"activity_{index}_note", N_("完成情况说明"), NOTE_MAX_CHARS, problems)
    return {"planned": planned, "status": status, "note": note}


def read_report(data: Mapping[str, object], planned: Sequence[str]) -> Report:
    """The report form read against the planned activities; a 422 naming every problem
    (blank inputs are fine here: a draft may be incomplete)."""
    problems: list[Problem] = []
    rows = tuple(_activity(data, i, text, problems) for i, text in enumerate(planned))
    other = _text(data, "other_activities", N_("计划外开展的活动"), OTHER_MAX_CHARS, problems)
    reached = _beneficiaries(data, problems)
    summary = _text(data, "summary", N_("成效与问题"), SUMMARY_MAX_CHARS, problems)
    if problems:
        raise Refusal(msg("评估报告有误，未保存：请按提示修改"), problems)
    return Report(rows, other, reached, summary)


def missing_for_submission(report: Report, photos: int) -> list[Problem]:
    """What a report still lacks before it can be submitted (every planned activity's status,
    beneficiaries reached, the summary, at least one photo)."""
    problems = [Problem(f"activity_{i}_status", msg("请选择“{name}”的完成情况",
                                                    name=row["planned"]))
                for i, row in enumerate(report.activities) if not row["status"]]
    if report.beneficiaries is None:
        problems.append(Problem("beneficiaries", msg("请填写实际受益人数")))
    if not report.summary:
        problems.append(Problem("summary", msg("请填写项目成效与存在的问题")))
    if photos < 1:
        problems.append(Problem("photos", msg("请至少上传一张活动照片")))
    return problems


# ------------------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class Sheet:
    """One evaluator's scores: half points per criterion key, the total, the comment."""

    points_half: dict[str, int]
    comment: str

    @property
    def total(self) -> Decimal:
        """The sheet's total in points."""
        return Decimal(sum(self.points_half.values())) / 2


def read_sheet(data: Mapping[str, object], criteria: Sequence[Criterion]) -> Sheet:
    """An evaluator's form: every criterion scored in half points within its maximum, and a
    comment; a 422 naming each problem (the inputs are ``points_<key>`` and ``comment``)."""
    problems: list[Problem] = []
    points: dict[str, int] = {}
    for criterion in criteria:
        name = f"points_{criterion.key}"
        raw = str(data.get(name) or "")
        value, problem = parse_points(raw[:40], criterion)
        if problem or (value is None and raw.strip()):
            problems.append(Problem(name, problem or msg("请填写数字")))
        elif value is None:
            problems.append(Problem(name, msg("请为“{name}”打分", name=tr(criterion.name))))
        else:
            points[criterion.key] = to_half_points(value)
    comment = _text(data, "comment", N_("评估意见"), COMMENT_MAX_CHARS, problems)
    if not comment and not any(p.field == "comment" for p in problems):
        problems.append(Problem("comment", msg("请填写评估意见")))
    if problems:
        raise Refusal(msg("评分有误，未提交：请按提示修改"), problems)
    return Sheet(points, comment)


def score_of(totals: Sequence[Decimal]) -> Decimal:
    """An evaluation's score: the mean of its sheets' totals, two decimals (half up)."""
    return round_score(mean(list(totals)))


def passes(score: Decimal, pass_mark: int) -> bool:
    """True when the score reaches the pass mark."""
    return score >= pass_mark


# ------------------------------------------------------------------------------- deadlines


def is_overdue(due_on: date, today: date) -> bool:
    """True once the deadline's day is over."""
    return today > due_on


def expires_on(reminded_on: date, grace_days: int) -> date:
    """The last day a reminded report may still come in."""
    return reminded_on + timedelta(days=grace_days)


def has_expired(reminded_on: date, grace_days: int, today: date) -> bool:
    """True once the grace period after the reminder is over."""
    return today > expires_on(reminded_on, grace_days)


def results_notice_end(start: date, days: int) -> date:
    """The last day of a results notice that starts on ``start`` and runs ``days`` days."""
    return start + timedelta(days=days - 1)


def check_reason(reason: str | None, label: str) -> str:
    """A required reason of at most :data:`REASON_MAX_CHARS` characters, trimmed (else 422)."""
    text = (reason or "").strip()
    if not text:
        raise Refusal(msg("请填写{label}", label=tr(label)), [Problem("reason", msg(
            "请填写{label}", label=tr(label)))])
    if has_control(text) or len(text) > REASON_MAX_CHARS:
        problem = msg("{label}最多 {max} 个字，且不能包含控制字符", label=tr(label),
                      max=REASON_MAX_CHARS)
        raise Refusal(problem, [Problem("reason", problem)])
    return text


# ------------------------------------------------------------------------------- spending


def execution_percent(accepted_fen: int, award_fen: int) -> str:
    """Accepted spending as a share of the award (``62.5%``), integer arithmetic, one decimal."""
    if award_fen <= 0:
        return "—"
    tenths = accepted_fen * 1000 // award_fen
    return f"{tenths // 10}.{tenths % 10}%"


def spending_summary(lines: Sequence[Mapping[str, object]], award_fen: int,
                     paid_fen: int) -> dict:
    """The report's spending summary from the award's lines (item, approved, adjusted and
    accepted fen each): the lines, totals, what was paid and the execution rate."""
    rows = [{"item": str(line["item"]), "approved_fen": int(line["approved_fen"]),
             "adjusted_fen": int(line["adjusted_fen"]), "accepted_fen": int(line["accepted_fen"])}
            for line in lines]
    accepted = sum(row["accepted_fen"] for row in rows)
    return {"lines": rows, "approved_fen": sum(row["approved_fen"] for row in rows),
            "accepted_fen": accepted, "award_fen": award_fen, "paid_fen": paid_fen,
            "execution": execution_percent(accepted, award_fen)}
