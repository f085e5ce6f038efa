"""Blind review: a judge's pages never show who is behind a proposal; organizers see everything."""

from __future__ import annotations

import hashlib

import pytest

from grants.extensions import db
from grants.models import Attachment, AttachmentBlob
from grants.models.judging import JudgingSettings
from tests.factories import make_org, make_proposal
from tests.helpers import create_user, login_as
from tests.judging_support import build


def _pdf() -> bytes:
    """A real one-page PDF (a judge's copy is rewritten, so the bytes must parse)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()
IDENTITY = (
    "阳光助老服务中心",
    "申报人刘美玲",
    "联系人周卫东",
    "13912345678",
    "团队成员甲",
    "团队成员乙",
)


@pytest.fixture
def blind(app):
    """A blind round: one organisation proposal with contact, team and a named attachment."""
    setup = build(judges=1, proposals=0, assign=False)
    org = make_org(5, name="阳光助老服务中心")
    org.contact_name, org.contact_phone = "联系人周卫东", "13912345678"
    applicant = create_user(
        "orgapplicant", "org_member", display_name="申报人刘美玲", organisation_id=org.id
    )
    proposal = make_proposal(
        setup.round, applicant, "eligible", organisation=org, title="银龄助餐微项目"
    )
    proposal.contact_name, proposal.contact_phone = "联系人周卫东", "13912345678"
    proposal.team = ["团队成员甲", "团队成员乙"]
    digest = hashlib.sha256(PDF).hexdigest()
    db.session.add(AttachmentBlob(sha256=digest, size=len(PDF), data=PDF))
    db.session.add(
        Attachment(
            proposal_id=proposal.id,
            sha256=digest,
            content_type="application/pdf",
            filename="阳光助老服务中心申报书.pdf",
            size=len(PDF),
            uploaded_by_id=applicant.id,
        )
    )
    db.session.commit()
    from grants.services import judging

    judging.generate_assignments(setup.round.id, setup.organizer)
    setup.proposals.append(proposal)
    return setup


def _judge_pages(client, setup) -> list[str]:
    proposal = setup.proposals[0]
    login_as(client, setup.judges[0].username)
    pages = [
        client.get(url).text
        for url in ("/judging/", f"/judging/proposals/{proposal.id}/sheet", "/judging/conflicts")
    ]
    client.post("/auth/logout")
    return pages


def test_judge_pages_show_no_identity_in_blind_review(client, blind):
    pages = _judge_pages(client, blind)
    for html in pages:
        for secret in IDENTITY:
            if secret == "阳光助老服务中心" and html is pages[2]:
                continue  # the organisation picker for declaring conflicts lists every name
            assert secret not in html, secret
    assert "银龄助餐微项目" in pages[1] and "附件1.pdf" in pages[1]
    assert "申报书" not in pages[1]


def test_attachment_is_served_with_a_neutral_name(client, blind):
    attachment = db.session.query(Attachment).one()
    login_as(client, blind.judges[0].username)
    response = client.get(f"/judging/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert "%E9%99%84%E4%BB%B61.pdf" in disposition  # 附件1.pdf, percent-encoded
    assert "%E9%98%B3%E5%85%89" not in disposition  # not 阳光…


def test_attachment_refused_to_unassigned_judges_and_residents(client, blind):
    attachment = db.session.query(Attachment).one()
    create_user("judge9", "judge")
    create_user("resident", "resident")
    for username in ("judge9", "resident"):
        login_as(client, username)
        assert client.get(f"/judging/attachments/{attachment.id}").status_code == 404
        client.post("/auth/logout")
    assert client.get(f"/judging/attachments/{attachment.id}").status_code == 302


def test_organizer_sees_everyone(client, blind):
    attachment = db.session.query(Attachment).one()
    login_as(client, "organizer")
    html = client.get(f"/judging/rounds/{blind.round.id}").text
    assert "阳光助老服务中心" in html
    response = client.get(f"/judging/attachments/{attachment.id}")
    assert "%E7%94%B3%E6%8A%A5%E4%B9%A6" in response.headers["Content-Disposition"]  # 申报书


def test_open_review_shows_the_applicant(client, blind):
    db.session.get(JudgingSettings, blind.round.id).blind = False
    db.session.commit()
    _dashboard, scoring, _conflicts = _judge_pages(client, blind)
    for shown in IDENTITY:
        assert shown in scoring
    assert "阳光助老服务中心申报书.pdf" in scoring
