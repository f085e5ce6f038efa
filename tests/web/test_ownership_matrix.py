"""One definition of ownership: whoever may open a proposal may open its agreement, and whoever
may not is refused both — the applicant and an organisation colleague alike (a case per role
group and object)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.domain.awards import Candidate
from grants.services import agreements as agreement_svc
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests.factories import make_org, make_proposal, make_round

VISITORS = {
    "applicant": ("member", "org_member"),
    "org colleague": ("colleague", "org_member"),
    "member of another organisation": ("stranger", "org_member"),
    "resident": ("resident", "resident"),
    "judge": ("judge", "judge"),
    "organizer": ("wangmin", "organizer"),
    "auditor": ("auditor", "auditor"),
}
OPENS_BOTH = {"applicant", "org colleague", "organizer", "auditor"}


@pytest.fixture
def signed_award(app, make_user):
    """An organisation's confirmed award with its agreement, and one account per visitor."""
    org, other_org = make_org(1), make_org(2)
    users = {}
    for name, (username, role) in VISITORS.items():
        organisation = org if name in ("applicant", "org colleague") else other_org
        extra = {"organisation_id": organisation.id} if role == "org_member" else {}
        users[name] = make_user(username, role, **extra)
    funding_round = make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(funding_round, users["applicant"], status="scored",
                             title="楼道微更新", organisation=org)
    candidates = [Candidate(proposal.id, 1, proposal.title, Decimal("90"), 1_000_000)]
    award_svc.propose_awards(funding_round.id, candidates, users["organizer"])
    notice = notice_svc.publish_notice(funding_round.id, users["organizer"],
                                       today=date(2026, 7, 6))
    notice_svc.confirm_notice(notice.id, users["organizer"], today=date(2026, 7, 13))
    agreement = agreement_svc.agreements_of_round(funding_round.id)[0]
    return proposal.id, agreement.id


@pytest.mark.parametrize("visitor", sorted(VISITORS))
@pytest.mark.parametrize("page", ["proposal", "agreement", "agreement pdf"])
def test_the_proposal_and_its_agreement_open_for_the_same_people(
    client, auth, signed_award, visitor, page
):
    proposal_id, agreement_id = signed_award
    path = {
        "proposal": f"/proposals/{proposal_id}",
        "agreement": f"/awards/agreements/{agreement_id}",
        "agreement pdf": f"/awards/agreements/{agreement_id}.pdf",
    }[page]
    auth.login(VISITORS[visitor][0])
    status = client.get(path).status_code
    if visitor in OPENS_BOTH:
        assert status == 200, (visitor, page, status)
    else:
        assert status in (403, 404), (visitor, page, status)


def test_an_org_colleague_signs_the_agreement_of_a_proposal_they_can_edit(
    client, auth, signed_award
):
    proposal_id, agreement_id = signed_award
    auth.login("colleague")
    response = client.post(f"/awards/agreements/{agreement_id}/sign", data={"agree": "y"})
    assert response.status_code in (302, 303)
    assert client.get(f"/awards/agreements/{agreement_id}").status_code == 200
