"""The calendar of a round: its phases, the current phase, and whether an action is open now.

Time zone rule: every ``datetime`` here is timezone-aware (store it in UTC, compare it as is)
and is shown to people in Asia/Shanghai time. Naive datetimes are refused, because a window
that silently shifts by eight hours is a deadline dispute waiting to happen. The two
implementation fields are calendar ``date`` values in Asia/Shanghai, the end date inclusive.

Windows are half-open: an action is open from its opening moment (included) until its closing
moment (excluded), so a deadline of 18:00 refuses a submission at 18:00:00.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from grants.domain.clock import BEIJING
from grants.domain.i18n import N_, msg, tr
from grants.domain.inputs import date_in_range, date_range_message

SHANGHAI = BEIJING
"""The round calendar's time zone: the platform clock's (see :mod:`grants.domain.clock`)."""
NOTICE_DAYS_MIN = 1
NOTICE_DAYS_MAX = 30

PHASE_LABELS: dict[str, str] = {
    "upcoming": N_("未开始"),
    "needs": N_("需求征集"),
    "submission": N_("项目申报"),
    "screening": N_("资格审查"),
    "judging": N_("专家评审"),
    "awarding": N_("立项评定"),
    "notice": N_("结果公示"),
    "implementation": N_("项目实施"),
    "closed": N_("已结束"),
}
PHASES: tuple[str, ...] = tuple(PHASE_LABELS)

FIELD_LABELS: dict[str, str] = {
    "needs_open": N_("需求征集开始时间"),
    "needs_close": N_("需求征集截止时间"),
    "submit_open": N_("申报开始时间"),
    "submit_close": N_("申报截止时间"),
    "screening_close": N_("资格审查截止时间"),
    "return_deadline": N_("退回修改截止时间"),
    "judging_open": N_("评审开始时间"),
    "judging_close": N_("评审截止时间"),
    "notice_days": N_("公示天数"),
    "implementation_start": N_("实施开始日期"),
    "implementation_end": N_("实施结束日期"),
}

# action → (what the window is called, field that opens it, field that closes it)
WINDOWS: dict[str, tuple[str, str, str]] = {
    "post_need": (N_("需求征集"), "needs_open", "needs_close"),
    "support_need": (N_("需求征集"), "needs_open", "needs_close"),
    "submit": (N_("申报"), "submit_open", "submit_close"),
    "resubmit": (N_("退回项目重新提交"), "submit_open", "return_deadline"),
    "screen": (N_("资格审查"), "submit_open", "screening_close"),
    "score": (N_("专家评审"), "judging_open", "judging_close"),
}


@dataclass(frozen=True)
class RoundPhases:
    """Key moments of a round (aware datetimes), the notice length and implementation dates."""

    needs_open: datetime
    needs_close: datetime
    submit_open: datetime
    submit_close: datetime
    screening_close: datetime
    return_deadline: datetime
    judging_open: datetime
    judging_close: datetime
    notice_days: int
    implementation_start: date
    implementation_end: date

    def __post_init__(self) -> None:
        """Refuse naive datetimes: every moment must carry its time zone."""
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, datetime) and value.utcoffset() is None:
                label = tr(FIELD_LABELS[item.name])
                raise ValueError(msg("{field}须带时区（如 Asia/Shanghai）", field=label))


STEP_STATES: tuple[str, ...] = ("done", "current", "upcoming")


@dataclass(frozen=True)
class TimelineStep:
    """One phase on the round page: its window and whether it is done, current or upcoming.

    ``state`` is one of :data:`STEP_STATES` (also the CSS class of the step); pages ask the
    boolean properties instead of comparing it.
    """

    key: str
    label: str
    start: datetime
    end: datetime
    state: str

    @property
    def is_done(self) -> bool:
        """True for a phase that is over."""
        return self.state == "done"

    @property
    def is_current(self) -> bool:
        """True for the phase in progress (or open while a later one has begun)."""
        return self.state == "current"

    @property
    def is_upcoming(self) -> bool:
        """True for a phase that has not begun."""
        return self.state == "upcoming"

    @property
    def is_implementation(self) -> bool:
        """True for the implementation phase, whose window is shown as calendar dates."""
        return self.key == "implementation"


def local_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime for a wall-clock moment in Asia/Shanghai (for forms and tests)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai."""
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)


def format_local(moment: datetime) -> str:
    """Show a moment as people in the round read it: ``2026年11月20日 18:00`` (Shanghai)."""
    local = moment.astimezone(SHANGHAI)
    return msg(
        "{year}年{month}月{day}日 {time}",
        year=local.year,
        month=local.month,
        day=local.day,
        time=f"{local:%H:%M}",
    )


def format_date(day: date) -> str:
    """Show a calendar date as ``2027年1月1日`` (in the reader's language)."""
    return msg("{year}年{month}月{day}日", year=day.year, month=day.month, day=day.day)


def notice_end(phases: RoundPhases) -> datetime:
    """When the public notice ends: ``notice_days`` calendar days after judging closes."""
    return phases.judging_close + timedelta(days=phases.notice_days)


def _windows(phases: RoundPhases) -> list[tuple[str, datetime, datetime]]:
    """The phases between ``upcoming`` and ``closed`` as ``(key, start, end)``, in order."""
    return [
        ("needs", phases.needs_open, phases.needs_close),
        ("submission", phases.submit_open, phases.submit_close),
        ("screening", phases.submit_close, phases.screening_close),
        ("judging", phases.judging_open, phases.judging_close),
        ("notice", phases.judging_close, notice_end(phases)),
        (
            "implementation",
            day_start(phases.implementation_start),
            _day_after(phases.implementation_end),
        ),
    ]


def _day_after(day: date) -> datetime:
    """Midnight at the start of the day after ``day``; a day at the calendar's very end (a date
    stored before dates were bounded) ends at the last moment Python holds instead."""
    if day >= date.max:
        return datetime.max.replace(tzinfo=SHANGHAI)
    return day_start(day + timedelta(days=1))


def current_phase(phases: RoundPhases, now: datetime) -> str:
    """The phase key at ``now`` by the calendar alone; a gap between two windows belongs to the
    earlier phase. Pages show :func:`round_phase`, which also knows what has happened."""
    windows = _windows(phases)
    if now < windows[0][1]:
        return "upcoming"
    if now >= windows[-1][2]:
        return "closed"
    started = [key for key, start, _ in windows if start <= now]
    return started[-1]


@dataclass(frozen=True)
class RoundFacts:
    """What has happened in a round besides its calendar, as :func:`round_phase` needs it.

    ``judging_closed``: the organizer closed judging (possibly before its deadline).
    ``notice_open``: a public notice of its awards is running (published, not yet confirmed).
    ``notice_confirmed``: a notice has been confirmed. ``awarded``: awards confirmed or further
    on (signed, implementing, suspended, closed …); ``awards_open``: those of them not closed.
    """

    judging_closed: bool = False
    notice_open: bool = False
    notice_confirmed: bool = False
    awarded: int = 0
    awards_open: int = 0


NO_FACTS = RoundFacts()


def round_phase(phases: RoundPhases, now: datetime, facts: RoundFacts = NO_FACTS) -> str:
    """The phase a round is really in: its calendar corrected by its notices and awards.

    A running notice means ``notice`` whatever the dates say; confirmed awards mean
    ``implementation`` until every one of them is closed (then ``closed``). Once judging is
    over (closed by the organizer, or past its deadline) and nothing has been published, the
    round is ``awarding`` (the award list is being drawn up) — or ``closed`` when a notice was
    confirmed without awards, or the implementation period ended with none. Before that the
    calendar decides (upcoming, needs, submission, screening, judging).
    """
    if facts.notice_open:
        return "notice"
    if facts.awarded:
        return "implementation" if facts.awards_open else "closed"
    judging_over = facts.judging_closed or now >= phases.judging_close
    if not judging_over:
        return current_phase(phases, now)
    if facts.notice_confirmed or now >= _windows(phases)[-1][2]:
        return "closed"
    return "awarding"


def timeline(phases: RoundPhases, now: datetime, phase: str | None = None) -> list[TimelineStep]:
    """Every phase window with its state at ``now``, for the round page's progress bar.

    ``phase`` is the round's real phase (:func:`round_phase`; the calendar's when omitted):
    steps before it are done, after it upcoming. Within the calendar a window that is open is
    current even when it overlaps the next one (needs may still be collected while proposals
    come in); in a gap the earlier phase stays current. When events overtook the calendar
    (judging closed early), windows still open by date show as done.
    """
    by_date = PHASES.index(current_phase(phases, now))
    position = PHASES.index(phase) if phase else by_date
    steps: list[TimelineStep] = []
    for key, start, end in _windows(phases):
        index = PHASES.index(key)
        overlapping = start <= now < end and index < position == by_date
        state = (
            "current"
            if index == position or overlapping
            else "done"
            if index < position
            else "upcoming"
        )
        steps.append(TimelineStep(key, PHASE_LABELS[key], start, end, state))
    return steps


def check_window(phases: RoundPhases, action: str, now: datetime) -> str | None:
    """Say why ``action`` is closed at ``now`` (naming the opening or deadline), else ``None``.

    Raises ``ValueError`` for an action that has no window: that is a programming error.
    """
    if action not in WINDOWS:
        raise ValueError(msg("未知操作“{action}”，没有对应的时间窗口", action=action))
    noun, open_field, close_field = WINDOWS[action]
    opens, closes = getattr(phases, open_field), getattr(phases, close_field)
    if now < opens:
        return msg("本轮{window}将于 {when} 开始", window=tr(noun), when=format_local(opens))
    if now >= closes:
        return msg("本轮{window}已于 {when} 截止", window=tr(noun), when=format_local(closes))
    return None


# (earlier field, later field, strictly later?)
_ORDER: tuple[tuple[str, str, bool], ...] = (
    ("needs_open", "needs_close", True),
    ("needs_open", "submit_open", False),
    ("needs_close", "submit_close", False),
    ("submit_open", "submit_close", True),
    ("submit_close", "return_deadline", False),
    ("return_deadline", "screening_close", False),
    ("screening_close", "judging_open", False),
    ("judging_open", "judging_close", True),
)


def _order_problem(phases: RoundPhases, earlier: str, later: str, strict: bool) -> str | None:
    """Say why ``later`` is not after ``earlier`` (or not at/after when ``strict`` is False)."""
    first, second = getattr(phases, earlier), getattr(phases, later)
    if second > first or (not strict and second == first):
        return None
    template = (
        N_("{later}（{later_at}）须晚于{earlier}（{earlier_at}）")
        if strict
        else N_("{later}（{later_at}）不得早于{earlier}（{earlier_at}）")
    )
    return msg(
        template,
        later=tr(FIELD_LABELS[later]),
        later_at=format_local(second),
        earlier=tr(FIELD_LABELS[earlier]),
        earlier_at=format_local(first),
    )


def _outside_range(phases: RoundPhases) -> list[str]:
    """A problem for each date of the calendar outside the platform's range, naming it."""
    return [msg("{field}：{reason}", field=tr(label), reason=date_range_message())
            for name, label in FIELD_LABELS.items()
            if isinstance(value := getattr(phases, name, None), date) and not date_in_range(value)]


def validate_phases(phases: RoundPhases) -> list[str]:
    """Check an organiser's calendar: phases in order, notice 1–30 days, implementation after.

    Screening must close no earlier than the return deadline so that resubmitted proposals
    can be screened again, and judging opens only after screening closes.
    """
    if outside := _outside_range(phases):
        return outside
    problems = [_order_problem(phases, *rule) for rule in _ORDER]
    if not NOTICE_DAYS_MIN <= phases.notice_days <= NOTICE_DAYS_MAX:
        problems.append(
            msg("公示期须为 {min} 至 {max} 天", min=NOTICE_DAYS_MIN, max=NOTICE_DAYS_MAX)
        )
    elif day_start(phases.implementation_start) < notice_end(phases):
        problems.append(
            msg(
                "实施开始日期（{start}）不得早于公示期结束（{notice_end}）",
                start=format_date(phases.implementation_start),
                notice_end=format_local(notice_end(phases)),
            )
        )
    if phases.implementation_end < phases.implementation_start:
        problems.append(
            msg(
                "实施结束日期（{end}）不得早于实施开始日期（{start}）",
                end=format_date(phases.implementation_end),
                start=format_date(phases.implementation_start),
            )
        )
    return [problem for problem in problems if problem]
