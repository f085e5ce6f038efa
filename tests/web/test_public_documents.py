"""Public documents are made when published and served from the document cache afterwards:
they print the audit head of their publication, a later audited action (a failed login, an
objection) neither changes them nor lays them out again, and a change to the notice itself (an
upheld objection, the confirmation) makes a new edition at once."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from grants.domain.awards import Candidate
from grants.domain.documents import NOTICE_DOCUMENT
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.documents import PublishedDocument
from grants.services import agreements, audit, published
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from grants.web import public_documents
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import create_user, login_as

RARE_TITLE = "刘䶮社区书屋"


@pytest.fixture
def proposed(app, tmp_path_factory):
    """A round with two proposed awards (one a rare-character title), an organizer, and the
    session's PDF cache (so the core font is derived once)."""
    app.config["PDF_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "pdf-cache")
    app.config["PDF_ON_PUBLISH"] = True
    organizer = create_user("wangmin", "organizer")
    resident = create_user("zhangguilan", "resident")
    member = create_user("orgmember", "org_member")
    org = make_org(1, name="江宁区阳光助老服务中心")
    funding_round = make_round("notice", pool_fen=3_000_000)
    p1 = make_proposal(funding_round, member, status="scored", title="银龄互助食堂",
                       organisation=org)
    p2 = make_proposal(funding_round, resident, status="scored", title=RARE_TITLE)
    award_svc.propose_awards(funding_round.id, [
        Candidate(p1.id, 1, p1.title, Decimal("91.50"), 1_200_000),
        Candidate(p2.id, 2, p2.title, Decimal("88.25"), 1_000_000),
    ], organizer)
    return funding_round, organizer


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def _no_layout(monkeypatch) -> None:
    """Fail the test if anything lays a public document out from here on."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a public document was laid out again")

    monkeypatch.setattr(public_documents, "keyed_pdf", refuse)


def _publish_through_the_page(client, funding_round) -> PublishedDocument:
    login_as(client, "wangmin")
    assert client.post(f"/awards/rounds/{funding_round.id}/publish").status_code == 302
    client.post("/auth/logout")
    notice_id = notice_svc.notices_of_round(funding_round.id)[0].id
    return published.current(NOTICE_DOCUMENT, notice_id)


def test_publishing_makes_the_pdf_and_readers_get_it_from_the_cache(
    proposed, client, monkeypatch
):
    funding_round, _organizer = proposed
    edition = _publish_through_the_page(client, funding_round)
    assert edition.html and edition.cache_key
    entry = db.session.get(AuditEntry, edition.audit_seq)
    assert entry.action == "award.publish_notice" and entry.hash == edition.audit_hash
    _no_layout(monkeypatch)
    first = client.get(f"/notices/{edition.object_id}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = _text(first.data)
    assert edition.audit_hash[:40] in text and RARE_TITLE in text and "¥22,000.00" in text

    client.post("/auth/login", data={"username": "wangmin", "password": "wrong-Password-1"})
    notice_svc.file_objection(_award_ids(edition.object_id)[0], "预算偏高",
                              name="李四", phone="13912345678")
    assert audit.head()[0] > edition.audit_seq
    assert client.get(f"/notices/{edition.object_id}.pdf").data == first.data


def _award_ids(notice_id: int) -> list[int]:
    from grants.models.awards import Notice

    return [award.id for award in db.session.get(Notice, notice_id).awards]


def _organizer() -> User:
    return db.session.scalar(db.select(User).where(User.username == "wangmin"))


def test_an_upheld_objection_and_the_confirmation_make_new_editions(proposed, client):
    funding_round, organizer = proposed
    notice = notice_svc.publish_notice(funding_round.id, organizer)
    first = published.current(NOTICE_DOCUMENT, notice.id)
    first_seq = first.audit_seq
    assert first.html is None  # stamped by the service; made by the page or the command
    assert public_documents.make_pending() == 1
    before = _text(public_documents.public_pdf(NOTICE_DOCUMENT, notice.id))
    objection = notice_svc.file_objection(_award_ids(notice.id)[1], "材料不实",
                                          name="李四", phone="13912345678")
    login_as(client, "wangmin")
    ruling = {"decision": "revoke", "reason": "经核实材料不实"}
    assert client.post(f"/awards/objections/{objection.id}/decide", data=ruling).status_code == 302
    upheld = published.current(NOTICE_DOCUMENT, notice.id)
    upheld_seq = upheld.audit_seq
    assert upheld_seq > first_seq and upheld.cache_key
    after = _text(public_documents.public_pdf(NOTICE_DOCUMENT, notice.id))
    assert upheld.audit_hash[:40] in after and "¥12,000.00" in after
    assert "¥22,000.00" in before and "¥22,000.00" not in after

    notice_svc.confirm_notice(notice.id, organizer, today=notice.ends_on + timedelta(days=1))
    assert published.current(NOTICE_DOCUMENT, notice.id).audit_seq > upheld_seq


def test_a_host_without_the_pdf_lays_out_the_kept_html_again(proposed, app):
    funding_round, organizer = proposed
    notice = notice_svc.publish_notice(funding_round.id, organizer)
    with app.test_request_context():
        first = public_documents.public_pdf(NOTICE_DOCUMENT, notice.id)
    edition = published.current(NOTICE_DOCUMENT, notice.id)
    kept = edition.html
    cached = Path(app.config["PDF_CACHE_DIR"]) / "docs" / f"{edition.cache_key}.pdf"
    shutil.move(cached, cached.with_suffix(".moved"))
    with app.test_request_context():
        again = public_documents.public_pdf(NOTICE_DOCUMENT, notice.id)
    assert _text(again) == _text(first)
    assert published.current(NOTICE_DOCUMENT, notice.id).html == kept


def test_a_notice_published_before_editions_gets_one_on_first_reading(proposed, client):
    funding_round, organizer = proposed
    notice = notice_svc.publish_notice(funding_round.id, organizer)
    db.session.query(PublishedDocument).delete()
    db.session.commit()
    assert client.get(f"/notices/{notice.id}.pdf").status_code == 200
    edition = published.current(NOTICE_DOCUMENT, notice.id)
    assert edition.cache_key and edition.audit_seq == audit.head()[0]


def test_the_close_due_command_makes_the_confirmed_edition(proposed, app):
    funding_round, organizer = proposed
    notice = notice_svc.publish_notice(funding_round.id, organizer)
    day = (notice.ends_on + timedelta(days=1)).isoformat()
    result = app.test_cli_runner().invoke(args=["notices", "close-due", "--today", day])
    assert "已确认 2 个立项" in result.output
    edition = published.current(NOTICE_DOCUMENT, notice.id)
    assert edition.html and edition.cache_key and "已确认" in edition.html


def test_without_pdf_on_publish_the_first_reader_makes_it(proposed, app, client):
    app.config["PDF_ON_PUBLISH"] = False
    funding_round, _organizer = proposed
    edition = _publish_through_the_page(client, funding_round)
    assert edition.html is None
    assert client.get(f"/notices/{edition.object_id}.pdf").status_code == 200
    assert published.current(NOTICE_DOCUMENT, edition.object_id).cache_key


def test_only_known_kinds_are_stamped(app):
    with pytest.raises(ValueError, match="unknown public document kind"):
        published.stamp("leaflet", 1)


def test_a_long_notice_is_laid_out_by_typst_from_the_same_template(proposed, client, monkeypatch):
    monkeypatch.setattr("grants.pdf.typeset.LONG_TABLE_ROWS", 1)
    funding_round, _organizer = proposed
    edition = _publish_through_the_page(client, funding_round)
    pdf = client.get(f"/notices/{edition.object_id}.pdf").data
    assert "Typst" in pypdf.PdfReader(io.BytesIO(pdf)).metadata.get("/Creator", "")
    text = _text(pdf)
    assert "拟立项项目公示" in text and RARE_TITLE in text and "居民团队（负责人 张**）" in text
    assert "¥12,000.00" in text and "¥22,000.00" in text and "合计 2 个项目" in text
    assert edition.audit_hash[:40] in text and f"#{edition.audit_seq}" in text


def test_a_signed_agreement_is_laid_out_once_and_prints_its_own_latest_entry(
    proposed, client, monkeypatch
):
    funding_round, organizer = proposed
    notice = notice_svc.publish_notice(funding_round.id, organizer)
    notice_svc.confirm_notice(notice.id, organizer, today=notice.ends_on + timedelta(days=1))
    item = agreements.agreements_of_round(funding_round.id)[1]
    agreements.sign_as_applicant(item.id, db.session.scalar(
        db.select(User).where(User.username == "zhangguilan")))
    login_as(client, "wangmin")
    assert client.post(f"/awards/agreements/{item.id}/countersign").status_code == 302
    signed = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.object_type == "award",
                                    AuditEntry.object_id == item.award_id)
        .order_by(AuditEntry.seq.desc()))
    assert signed.action == "award.sign_agreement"
    _no_layout_at_all(monkeypatch)
    client.post("/auth/login", data={"username": "wangmin", "password": "wrong-Password-1"})
    login_as(client, "wangmin")
    pdf = client.get(f"/awards/agreements/{item.id}.pdf").data
    assert signed.hash[:40] in _text(pdf) and audit.head()[0] > signed.seq


def _no_layout_at_all(monkeypatch) -> None:
    """Fail the test if WeasyPrint or typst lays anything out from here on."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a document was laid out again")

    monkeypatch.setattr("grants.pdf.render._render", refuse)
    monkeypatch.setattr("grants.pdf.typeset.render", refuse)
