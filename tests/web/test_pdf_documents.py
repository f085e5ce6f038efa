"""The notice, agreement and score-sheet PDFs: Chinese text that survives extraction (rare
characters too), embedded fonts, the audit head, and nothing private on the public notice."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest

from grants.domain.awards import Candidate
from grants.domain.money import format_fen
from grants.extensions import db
from grants.models.base import utcnow
from grants.models.judging import Criterion, Score, ScoreSheet
from grants.services import agreements, audit, published
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import create_user, login_as, wait_for_job

RARE_TITLE = "刘䶮社区书屋"
PRIVATE = ("13912345678", "6222021000000001234", "李四", "张桂兰", "13800000001", "13900000000")


@pytest.fixture
def shared_pdf_cache(app, tmp_path_factory):
    """One PDF cache for the whole session, so the core font is derived only once."""
    app.config["PDF_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "pdf-cache")


@pytest.fixture
def notice(app, shared_pdf_cache):
    """A published notice: an organisation's project (with a bank account on file) and a
    resident team's rare-character project, with an anonymous objection filed."""
    organizer = create_user("wangmin", "organizer")
    resident = create_user("zhangguilan", "resident")
    member = create_user("orgmember", "org_member")
    org = make_org(1, name="江宁区阳光助老服务中心")
    r = make_round("notice", pool_fen=3_000_000)
    p1 = make_proposal(r, member, status="scored", title="银龄互助食堂", organisation=org)
    p2 = make_proposal(r, resident, status="scored", title=RARE_TITLE)
    cands = [
        Candidate(p1.id, 1, p1.title, Decimal("91.50"), 1_200_000),
        Candidate(p2.id, 2, p2.title, Decimal("88.25"), 1_000_000),
    ]
    award_svc.propose_awards(r.id, cands, organizer)
    published = notice_svc.publish_notice(r.id, organizer)
    award = published.awards[0]
    notice_svc.file_objection(award.id, "预算偏高", name="李四", phone="13912345678")
    return published


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def _fonts_embedded(pdf: bytes) -> list[bool]:
    """For every font used on any page: does its descriptor carry an embedded font file?"""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for part in font.get("/DescendantFonts", [font]):
                descriptor = part.get_object()["/FontDescriptor"].get_object()
                found.append(
                    any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                )
    return found


def test_notice_pdf_has_title_amounts_rare_characters_and_audit_head(notice, client):
    response = client.get(f"/notices/{notice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    assert "拟立项项目公示" in text and "第七届公益创投微项目" in text
    assert "¥12,000.00" in text and "¥10,000.00" in text and "¥22,000.00" in text
    assert RARE_TITLE in text
    assert "居民团队（负责人 张**）" in text and "江宁区阳光助老服务中心" in text
    stamped = published.current("notice", notice.id)
    assert stamped.audit_hash[:40] in text.replace("\n", "")
    assert stamped.audit_seq < audit.head()[0]  # the objection came after publication
    fonts = _fonts_embedded(response.data)
    assert fonts and all(fonts)


def test_public_notice_shows_nothing_private(notice, client):
    for url in (f"/notices/{notice.id}", f"/notices/{notice.id}.pdf", "/notices/"):
        response = client.get(url)
        assert response.status_code == 200
        body = _text(response.data) if url.endswith(".pdf") else response.get_data(as_text=True)
        for secret in PRIVATE:
            assert secret not in body, (url, secret)


def test_agreement_pdf_has_amount_in_capitals_and_both_signatures(notice, client):
    notice_svc.dismiss_objection(
        notice.awards[0].objections[0].id, _user("wangmin"), "经核实预算合理"
    )
    notice_svc.confirm_notice(notice.id, _user("wangmin"), today=notice.ends_on + timedelta(days=1))
    item = agreements.agreements_of_round(notice.round_id)[1]
    agreements.sign_as_applicant(item.id, _user("zhangguilan"))
    agreements.countersign(item.id, _user("wangmin"))
    login_as(client, "zhangguilan")
    response = client.get(f"/awards/agreements/{item.id}.pdf")
    assert response.status_code == 200
    text = _text(response.data)
    assert "项目资助协议书" in text and item.number in text
    assert "¥10,000.00" in text and "壹万元整" in text and RARE_TITLE in text
    assert "zhangguilan" in text and "wangmin" in text and "（待签署）" not in text
    assert all(_fonts_embedded(response.data))


def _user(username):
    from grants.models import User

    return db.session.scalar(db.select(User).where(User.username == username))


def _score(proposal, judges, criteria, points):
    """Submitted sheets: ``points[j][c]`` for judge j and criterion c."""
    for judge, row in zip(judges, points, strict=True):
        sheet = ScoreSheet(
            round_id=proposal.round_id,
            judge_id=judge.id,
            proposal_id=proposal.id,
            status="submitted",
            submitted_at=utcnow(),
        )
        sheet.scores = [
            Score(judge_id=judge.id, proposal_id=proposal.id, criterion_id=c.id, half_points=p * 2)
            for c, p in zip(criteria, row, strict=True)
        ]
        db.session.add(sheet)
    db.session.commit()


def test_score_sheet_numbers_judges_and_hides_names(app, client, shared_pdf_cache):
    create_user("wangmin", "organizer")
    owner = create_user("zhangguilan", "resident")
    create_user("other", "resident")
    judges = [create_user(f"judge{i}", "judge", display_name=f"评审专家赵教授{i}") for i in (1, 2)]
    r = make_round("notice")
    proposal = make_proposal(r, owner, status="scored", title=RARE_TITLE)
    criteria = [
        Criterion(round_id=r.id, key="need", name="需求契合度", max_points=60, position=0),
        Criterion(round_id=r.id, key="plan", name="实施方案", max_points=40, position=1),
    ]
    db.session.add_all(criteria)
    db.session.commit()
    _score(proposal, judges, criteria, [(50, 30), (40, 35)])
    url = f"/awards/proposals/{proposal.id}/score-sheet.pdf"
    for username, status in (
        ("other", 404),
        ("judge1", 404),
        ("zhangguilan", 200),
        ("wangmin", 200),
    ):
        client.post("/auth/logout")
        login_as(client, username)
        assert client.get(url).status_code == status, username
    text = _text(client.get(url).data)
    assert "评委1" in text and "评委2" in text and "赵教授" not in text
    assert "需求契合度" in text and "80" in text and "75" in text
    assert "算术平均" in text and "77.50" in text and RARE_TITLE in text


def test_notice_pdf_is_served_from_the_cache_when_nothing_changed(notice, client):
    first = client.get(f"/notices/{notice.id}.pdf").data
    assert client.get(f"/notices/{notice.id}.pdf").data == first


def _signed_agreement(notice):
    """Confirm the notice, sign and countersign the resident team's agreement."""
    notice_svc.dismiss_objection(
        notice.awards[0].objections[0].id, _user("wangmin"), "经核实预算合理"
    )
    notice_svc.confirm_notice(notice.id, _user("wangmin"), today=notice.ends_on + timedelta(days=1))
    item = agreements.agreements_of_round(notice.round_id)[1]
    agreements.sign_as_applicant(item.id, _user("zhangguilan"))
    agreements.countersign(item.id, _user("wangmin"))
    return item


def test_agreement_pdf_prints_the_stored_tranches_which_sum_to_the_award(notice, client):
    item = _signed_agreement(notice)
    rows = item.award.tranches
    # A schedule no recomputation would give: the PDF can only have it from the rows.
    rows[0].amount_fen, rows[1].amount_fen = 500_100, 399_900
    db.session.commit()
    assert sum(t.amount_fen for t in rows) == item.award.amount_fen == 1_000_000
    login_as(client, "zhangguilan")
    text = _text(client.get(f"/awards/agreements/{item.id}.pdf").data)
    printed = [format_fen(t.amount_fen) for t in rows]
    assert printed == ["¥5,001.00", "¥3,999.00", "¥1,000.00"]
    assert all(amount in text for amount in printed)
    assert "¥5,000.00" not in text and "¥4,000.00" not in text
    assert "协议签订后" in text and "结项评估通过后" in text


def test_round_zip_holds_every_agreement_named_by_number(notice, client):
    item = _signed_agreement(notice)
    login_as(client, "wangmin")
    started = client.post(f"/awards/rounds/{notice.round_id}/agreements.zip")
    job_url = started.headers["Location"]
    assert started.status_code == 302 and job_url.startswith("/jobs/")
    job = wait_for_job(job_url.rsplit("/", 1)[-1])
    assert job.state == "finished", job.error
    response = client.get(f"{job_url}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names == ["JN-2026-07-001.pdf", "JN-2026-07-002.pdf"] and item.number in names[1]
    assert archive.read(names[0]).startswith(b"%PDF")
    assert "filename=agreements-JN-07.zip" in response.headers["Content-Disposition"]
