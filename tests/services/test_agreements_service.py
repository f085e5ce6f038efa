"""Grant agreements: numbering, who signs, in which order, and the round's ZIP."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from grants.domain.awards import Candidate
from grants.services import agreements as svc
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count
from tests.web.test_pdf_documents import shared_pdf_cache  # noqa: F401


@pytest.fixture
def people(app, make_user):
    org = make_org(1)
    return {
        "organizer": make_user("wangmin", "organizer"),
        "admin": make_user("root", "admin"),
        "resident": make_user("zhangguilan", "resident"),
        "member": make_user("orgmember", "org_member", organisation_id=org.id),
        "colleague": make_user("colleague", "org_member", organisation_id=org.id),
        "other": make_user("other", "resident"),
        "org": org,
    }


@pytest.fixture
def agreements(people):
    """Two confirmed awards (a resident team, an organisation) with their agreements."""
    r = make_round("notice", pool_fen=3_000_000)
    p1 = make_proposal(r, people["resident"], status="scored", title="银龄互助食堂")
    p2 = make_proposal(
        r, people["member"], status="scored", title="楼道微更新", organisation=people["org"]
    )
    cands = [
        Candidate(p1.id, 1, p1.title, Decimal("91"), 1_200_000),
        Candidate(p2.id, 2, p2.title, Decimal("88"), 1_000_000),
    ]
    award_svc.propose_awards(r.id, cands, people["organizer"])
    notice = notice_svc.publish_notice(r.id, people["organizer"], today=date(2026, 7, 6))
    notice_svc.confirm_notice(notice.id, people["organizer"], today=date(2026, 7, 13))
    return svc.agreements_of_round(r.id)


def test_numbers_follow_the_ranking(agreements):
    assert [a.number for a in agreements] == ["JN-2026-07-001", "JN-2026-07-002"]
    assert [a.award.rank for a in agreements] == [1, 2]


def test_applicant_signs_then_organizer_countersigns(agreements, people):
    first = agreements[0]
    before = audit_count()
    with pytest.raises(award_svc.AwardError, match="申报方签署后"):
        svc.countersign(first.id, people["organizer"])
    svc.sign_as_applicant(first.id, people["resident"])
    with pytest.raises(award_svc.AwardError, match="已签署过"):
        svc.sign_as_applicant(first.id, people["resident"])
    svc.countersign(first.id, people["organizer"])
    assert audit_count() == before + 2
    assert first.applicant_signer_id == people["resident"].id
    assert first.organizer_signer_id == people["organizer"].id
    assert first.award.status == "agreement_signed"
    with pytest.raises(award_svc.AwardError, match="签署完毕"):
        svc.countersign(first.id, people["organizer"])


def test_only_the_applicant_side_signs(agreements, people):
    first, second = agreements
    before = audit_count()
    for outsider in ("other", "member", "organizer"):
        with pytest.raises(award_svc.AwardError) as err:
            svc.sign_as_applicant(first.id, people[outsider])
        assert err.value.status == 404
    svc.sign_as_applicant(second.id, people["colleague"])
    assert audit_count() == before + 1


def test_only_organizers_countersign(agreements, people):
    first = agreements[0]
    svc.sign_as_applicant(first.id, people["resident"])
    before = audit_count()
    for role in ("admin", "resident"):
        with pytest.raises(award_svc.AwardError) as err:
            svc.countersign(first.id, people[role])
        assert err.value.status == 403
    assert audit_count() == before


def test_reading_an_agreement(agreements, people):
    first, second = agreements
    assert svc.get_agreement(first.id, people["resident"]) is first
    assert svc.get_agreement(second.id, people["colleague"]) is second
    assert svc.get_agreement(first.id, people["admin"]) is first
    with pytest.raises(award_svc.AwardError):
        svc.get_agreement(first.id, people["other"])
    assert svc.agreements_of_user(people["colleague"]) == [second]
    assert svc.agreements_of_user(people["other"]) == []


def test_context_has_amount_in_capitals_and_tranches(agreements):
    context = svc.agreement_context(agreements[0])
    assert context["amount_text"] == "¥12,000.00"
    assert context["amount_capitals"] == "壹万贰仟元整"
    assert sum(t.amount_fen for t in context["tranches"]) == 1_200_000
    assert context["applicant_signature"] is None


def test_round_zip_names_files_by_number(agreements, shared_pdf_cache):  # noqa: F811
    data, count = svc.agreements_zip(agreements[0].award.round_id)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert count == 2 and names == ["JN-2026-07-001.pdf", "JN-2026-07-002.pdf"]
    assert zipfile.ZipFile(io.BytesIO(data)).read(names[0]).startswith(b"%PDF")


def test_two_rounds_with_the_same_number_never_share_an_agreement_number(agreements, people):
    twin = make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(twin, people["resident"], status="scored", title="四点半课堂")
    award_svc.propose_awards(
        twin.id, [Candidate(proposal.id, 1, proposal.title, Decimal("90"), 800_000)],
        people["organizer"])
    notice = notice_svc.publish_notice(twin.id, people["organizer"], today=date(2026, 7, 6))
    notice_svc.confirm_notice(notice.id, people["organizer"], today=date(2026, 7, 13))
    assert [a.number for a in svc.agreements_of_round(twin.id)] == ["JN-2026-07-003"]
