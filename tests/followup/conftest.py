"""Fixtures of the follow-up tests: a round of three projects with their lists uploaded."""

from __future__ import annotations

import pytest

from grants.services import followup
from tests.followup.support import crew, csv_bytes, rows


@pytest.fixture
def team(app):
    """Three projects, three grantees, an organizer, two callers and an auditor."""
    return crew(3)


@pytest.fixture
def listed(team):
    """The team's projects with lists of 30, 20 and 10 beneficiaries."""
    for index, (grantee, award_id) in enumerate(zip(team.grantees, team.award_ids,
                                                    strict=True), start=1):
        followup.upload_list(grantee, award_id, "名单.csv",
                             csv_bytes(rows(index, 40 - 10 * index)))
    return team
