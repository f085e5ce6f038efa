"""The one phase function: a round's calendar corrected by its notices and awards."""

from __future__ import annotations

from datetime import date

import pytest

from grants.domain.phases import PHASES, RoundFacts, RoundPhases, local_datetime, round_phase

at = local_datetime
CALENDAR = RoundPhases(
    needs_open=at(2026, 9, 1, 9), needs_close=at(2026, 9, 30, 18),
    submit_open=at(2026, 10, 8, 9), submit_close=at(2026, 11, 20, 18),
    screening_close=at(2026, 12, 4, 18), return_deadline=at(2026, 11, 30, 18),
    judging_open=at(2026, 12, 7, 9), judging_close=at(2026, 12, 18, 18), notice_days=7,
    implementation_start=date(2027, 1, 1), implementation_end=date(2027, 6, 30),
)
JUDGING_DAY = at(2026, 12, 10)

CASES = {
    "upcoming": (at(2026, 8, 1), RoundFacts()),
    "needs": (at(2026, 9, 10), RoundFacts()),
    "submission": (at(2026, 10, 10), RoundFacts()),
    "screening": (at(2026, 11, 25), RoundFacts()),
    "judging": (JUDGING_DAY, RoundFacts()),
    "awarding": (JUDGING_DAY, RoundFacts(judging_closed=True)),
    "notice": (JUDGING_DAY, RoundFacts(judging_closed=True, notice_open=True)),
    "implementation": (JUDGING_DAY, RoundFacts(judging_closed=True, notice_confirmed=True,
                                               awarded=3, awards_open=3)),
    "closed": (at(2027, 3, 1), RoundFacts(judging_closed=True, notice_confirmed=True,
                                          awarded=3, awards_open=0)),
}


def test_every_phase_has_a_case():
    assert set(CASES) == set(PHASES)


@pytest.mark.parametrize("phase", PHASES)
def test_round_phase(phase):
    now, facts = CASES[phase]
    assert round_phase(CALENDAR, now, facts) == phase


@pytest.mark.parametrize(("now", "facts", "expected"), [
    # the dates say notice, but no notice was published: the award list is still drawn up
    (at(2026, 12, 20), RoundFacts(), "awarding"),
    # the dates say judging, but the notice already runs (judging was closed early)
    (JUDGING_DAY, RoundFacts(judging_closed=True, notice_open=True), "notice"),
    # the dates still say notice, but it was confirmed: the projects are being carried out
    (at(2026, 12, 22), RoundFacts(notice_confirmed=True, awarded=2, awards_open=2),
     "implementation"),
    # implementation ended by date while awards are still open: still implementation
    (at(2027, 8, 1), RoundFacts(notice_confirmed=True, awarded=2, awards_open=1),
     "implementation"),
    # every award was revoked in the notice
    (at(2026, 12, 28), RoundFacts(notice_confirmed=True), "closed"),
    # nothing awarded and the implementation period is over
    (at(2027, 8, 1), RoundFacts(), "closed"),
])
def test_events_overrule_the_calendar(now, facts, expected):
    assert round_phase(CALENDAR, now, facts) == expected
