"""Satisfaction follow-up (回访): the sample (drawn → calling → closed) and each number in it.

**Sample.** The organizer draws a round's quarterly sample: the seed is drawn and written in
the ``follow_up_sample.draw`` entry in the same transaction that stores the sample and its
numbers (so the seed is on the chain before any call). Callers are assigned while it is
``drawn`` (and may be reassigned later); ``start_calling`` opens it to them, ``close`` ends the
quarter's calls (numbers still open count as not reached).

**Call.** One number of the sample. Each attempt is a transition: the beneficiary answered
(``reach``, with their satisfaction answer and whether the service came on time), did not
(``miss``) or the number is wrong (``report_wrong_number``). The three ``miss`` rows *are* the
limit of three attempts: after the third, the number is ``unreached`` and nothing more can be
recorded. Only the assigned caller records (the service checks the assignment; the table says
which roles callers hold). Calls are stored ``pending`` by the draw, whose entry covers them.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_ORGANIZERS = ("organizer", "admin")
_CALLERS = ("evaluator", "organizer")

DRAWN, CALLING, CLOSED = "drawn", "calling", "closed"

FOLLOW_UP_SAMPLE = Lifecycle(
    name="follow_up_sample",
    table={
        (None, "draw"): (DRAWN, _ORGANIZERS),
        (DRAWN, "start_calling"): (CALLING, _ORGANIZERS),
        (CALLING, "close"): (CLOSED, _ORGANIZERS),
    },
    labels=Labels(
        {DRAWN: N_("已抽样"), CALLING: N_("回访中"), CLOSED: N_("已结束")},
        {"draw": N_("抽取回访样本"), "start_calling": N_("开始回访"), "close": N_("结束回访")},
    ),
)

PENDING = "pending"
MISSED_ONCE, MISSED_TWICE = "missed_once", "missed_twice"
REACHED, UNREACHED, WRONG_NUMBER = "reached", "unreached", "wrong_number"


def _attempts_from(state: str, after_miss: str) -> dict:
    """The three things an attempt from ``state`` can lead to."""
    return {
        (state, "reach"): (REACHED, _CALLERS),
        (state, "miss"): (after_miss, _CALLERS),
        (state, "report_wrong_number"): (WRONG_NUMBER, _CALLERS),
    }


FOLLOW_UP_CALL = Lifecycle(
    name="follow_up_call",
    table={
        **_attempts_from(PENDING, MISSED_ONCE),
        **_attempts_from(MISSED_ONCE, MISSED_TWICE),
        **_attempts_from(MISSED_TWICE, UNREACHED),
    },
    labels=Labels(
        {
            PENDING: N_("待回访"),
            MISSED_ONCE: N_("未接通 1 次"),
            MISSED_TWICE: N_("未接通 2 次"),
            REACHED: N_("已回访"),
            UNREACHED: N_("3 次未接通"),
            WRONG_NUMBER: N_("号码有误"),
        },
        {"reach": N_("已接通"), "miss": N_("未接通"), "report_wrong_number": N_("号码有误")},
    ),
)

OPEN_CALL_STATES: frozenset[str] = FOLLOW_UP_CALL.sources("reach")
"""Numbers that may still be called."""
ATTEMPTS_BEFORE: dict[str, int] = {PENDING: 0, MISSED_ONCE: 1, MISSED_TWICE: 2}
"""How many attempts an open number has had."""
RECORDING_STATES: frozenset[str] = frozenset({CALLING})
"""Sample states in which callers record attempts."""
ASSIGNING_STATES: frozenset[str] = FOLLOW_UP_SAMPLE.sources("start_calling", "close")
"""Sample states in which the organizer assigns or reassigns callers."""
