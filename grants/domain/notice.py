"""The public notice period (公示期) that every proposed award goes through before confirmation.

The period is counted in working days on the Chinese calendar: Monday to Friday, minus public
holidays, plus the weekend days declared make-up workdays (调休上班). Both lists come from the
caller (the round's calendar settings); this module knows no particular year.

Counting convention: the notice starts on the day it is published, and that day counts as the
first working day if it is one. A notice published on a Saturday therefore starts counting on
Monday. The notice stays open until the end of its last working day (inclusive ``end`` date);
awards can be confirmed from the next day on. All dates are local dates (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from grants.domain.evaluations import KINDS as EVALUATION_KINDS
from grants.domain.i18n import join_list, msg
from grants.domain.lifecycles import AWARD, NOTICE, OBJECTION
from grants.domain.phases import format_date

AWARDS_NOTICE = "awards"
"""The kind of a notice of a round's proposed awards; evaluation results notices are of kind
``midterm`` or ``final`` (see :mod:`grants.services.evaluations.results`)."""
NOTICE_KINDS: tuple[str, ...] = (AWARDS_NOTICE, *EVALUATION_KINDS)
PUBLISHABLE_AWARDS = AWARD.sources("publish_notice")
"""Awards a new notice takes in (proposed ones)."""
NOTICED_AWARDS = AWARD.sources("confirm")
"""Awards standing in a notice: objections may be filed against them, a ruling may revoke them
or change their amount, and the notice's confirmation confirms them."""
OPEN_NOTICES = NOTICE.sources("confirm")
"""Notices not yet confirmed."""
AWAITING_RULING = OBJECTION.sources("uphold", "dismiss")
"""Objections the organizer has not ruled on."""


class ConfirmCheck(NamedTuple):
    """Whether awards may be confirmed now; ``reason`` says why not (empty when they may)."""

    ok: bool
    reason: str


def format_date_cn(day: date) -> str:
    """Render a date the way notices print it: ``2026年7月10日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def is_working_day(
    day: date,
    holidays: frozenset[date] = frozenset(),
    workdays_extra: frozenset[date] = frozenset(),
) -> bool:
    """True if ``day`` is a working day: a make-up workday, or a weekday that is not a holiday."""
    if day in workdays_extra:
        return True
    return day.weekday() < 5 and day not in holidays


def notice_end(
    start: date,
    working_days: int = 5,
    holidays: frozenset[date] = frozenset(),
    workdays_extra: frozenset[date] = frozenset(),
) -> date:
    """Last day of a notice published on ``start`` that must run ``working_days`` working days.

    The publication day counts if it is a working day (see the module docstring), so a 5-day
    notice published on a Monday with no holidays ends on that Friday. A date listed both as a
    holiday and as a make-up workday is a calendar error and raises ``ValueError``.
    """
    if working_days < 1:
        raise ValueError(msg("公示期至少为 1 个工作日"))
    clash = holidays & workdays_extra
    if clash:
        listed = join_list(format_date(d) for d in sorted(clash))
        raise ValueError(msg("日期不能既是节假日又是调休工作日：{dates}", dates=listed))
    day = start
    counted = 0
    while True:
        if is_working_day(day, holidays, workdays_extra):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)


def is_notice_open(now_date: date, start: date, end: date) -> bool:
    """True while the notice is running: from its publication day through its last day."""
    return start <= now_date <= end


def can_confirm(notice_end: date, today: date, open_objections: int) -> ConfirmCheck:
    """Whether proposed awards may be confirmed: only after the notice has ended and only when
    every objection filed during it has been ruled on, so no complaint is left unanswered."""
    if today <= notice_end:
        when = format_date(notice_end)
        return ConfirmCheck(False, msg("公示期至 {when} 结束，期满后方可确认立项", when=when))
    if open_objections > 0:
        reason = msg("尚有 {count} 件异议未处理，处理完毕后方可确认立项", count=open_objections)
        return ConfirmCheck(False, reason)
    return ConfirmCheck(True, "")
