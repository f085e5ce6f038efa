"""What a person's own page says about their proposals: the next step and how long is left.

Plain Python: the landing service passes the proposal's state, the round's deadlines and now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.domain.clock import BEIJING
from grants.domain.i18n import N_, msg

# state → (what the applicant does or waits for next, the round deadline that limits it)
NEXT_STEPS: dict[str, tuple[str, str | None]] = {
    "draft": (N_("完善并提交申报"), "submit_close"),
    "returned": (N_("按审查意见修改后重新提交"), "return_deadline"),
    "submitted": (N_("等待资格审查"), None),
    "eligible": (N_("专家评审中"), None),
    "scored": (N_("评审已结束，等待立项结果"), None),
    "awarded": (N_("已立项：签署资助协议，按期报送支出"), None),
    "not_awarded": (N_("未获立项，可查看评审意见"), None),
    "ineligible": (N_("未通过资格审查"), None),
    "withdrawn": (N_("已撤回"), None),
}
NO_STEP = (N_("查看申报"), None)


@dataclass(frozen=True)
class NextStep:
    """The next step of one proposal and, when a deadline limits it, the days left."""

    label: str
    deadline: datetime | None
    days_left: int | None

    @property
    def urgent(self) -> bool:
        """True when three days or fewer are left: the page highlights it."""
        return self.days_left is not None and self.days_left <= 3

    @property
    def deadline_text(self) -> str:
        """"N 天后截止", "今天截止" or "已截止" in the reader's language ("" without deadline)."""
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            return msg("已截止")
        if self.days_left == 0:
            return msg("今天截止")
        return msg("{n} 天后截止", n=self.days_left)


def days_left(deadline: datetime, now: datetime) -> int:
    """Calendar days (Beijing) from today to the deadline's day: 0 when it falls later today,
    1 tomorrow …, −1 once it has passed. Both moments are timezone-aware."""
    if deadline <= now:
        return -1
    return (deadline.astimezone(BEIJING).date() - now.astimezone(BEIJING).date()).days


def next_step(status: str, deadlines: dict[str, datetime], now: datetime) -> NextStep:
    """The next step for a proposal in ``status``; ``deadlines`` holds the round's aware
    deadlines by field name (``submit_close``, ``return_deadline``)."""
    label, field = NEXT_STEPS.get(status, NO_STEP)
    deadline = deadlines.get(field) if field else None
    return NextStep(label, deadline, None if deadline is None else days_left(deadline, now))
