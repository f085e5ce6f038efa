"""Attachments over HTTP: content types, the 10 MB limit (413), downloads and permissions."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Attachment
from grants.services import attachments
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user, login_as

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def owner(app):
    return create_user("zhanggl", "resident")


@pytest.fixture
def draft(owner):
    return make_proposal(make_round("submission"), owner, status="draft")


@pytest.fixture
def signed_in(client, owner):
    login_as(client, "zhanggl")
    return client


def _upload(client, proposal_id, data: bytes, name: str):
    return client.post(
        f"/proposals/{proposal_id}/attachments",
        data={"file": (BytesIO(data), name), "upload": "上传附件"},
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def test_pdf_upload_and_download(signed_in, draft):
    response = _upload(signed_in, draft.id, PDF, "../预算明细.pdf")
    assert response.status_code == 302
    item = db.session.scalars(select(Attachment)).one()
    assert item.filename == "预算明细.pdf"
    download = signed_in.get(f"/proposals/attachments/{item.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_html_renamed_pdf_is_refused(signed_in, draft):
    before = audit_count()
    response = _upload(signed_in, draft.id, b"<html><script>alert(1)</script></html>", "方案.pdf")
    assert response.status_code == 415
    assert "只接受 PDF、JPEG 或 PNG" in response.get_data(as_text=True)
    assert _count() == 0 and audit_count() == before


def test_eleven_megabytes_is_413(signed_in, draft):
    response = _upload(signed_in, draft.id, PDF + b"0" * (11 * 1024 * 1024), "大文件.pdf")
    assert response.status_code == 413
    assert "每个附件不能超过 10 MB" in response.get_data(as_text=True)
    assert _count() == 0


def test_request_over_twelve_megabytes_is_413_from_werkzeug(signed_in, draft):
    response = _upload(signed_in, draft.id, PDF + b"0" * (13 * 1024 * 1024), "巨大.pdf")
    assert response.status_code == 413
    assert "10 MB" in response.get_data(as_text=True)


def test_missing_file_is_400(signed_in, draft):
    response = signed_in.post(f"/proposals/{draft.id}/attachments", data={"upload": "上传附件"})
    assert response.status_code == 400
    assert "请选择要上传的文件" in response.get_data(as_text=True)


def test_remove_while_editable(signed_in, owner, draft):
    item = attachments.add(owner, draft.id, "a.png", PNG)
    before = audit_count()
    assert signed_in.post(f"/proposals/attachments/{item.id}/delete").status_code == 302
    assert _count() == 0 and audit_count() == before + 1


def test_no_changes_once_submitted(signed_in, owner, draft):
    item = attachments.add(owner, draft.id, "a.png", PNG)
    draft.status = "submitted"
    db.session.commit()
    assert signed_in.post(f"/proposals/attachments/{item.id}/delete").status_code == 409
    assert _upload(signed_in, draft.id, PDF, "b.pdf").status_code == 409
    assert _count() == 1


@pytest.mark.parametrize("username, role", [("liujg", "resident"), ("judge1", "judge")])
def test_another_applicant_gets_404_on_attachments(client, owner, draft, username, role):
    item = attachments.add(owner, draft.id, "a.pdf", PDF)
    create_user(username, role)
    login_as(client, username)
    assert client.get(f"/proposals/attachments/{item.id}").status_code == 404
    assert client.post(f"/proposals/attachments/{item.id}/delete").status_code == 404
    assert _upload(client, draft.id, PDF, "x.pdf").status_code == 404
    assert _count() == 1


def test_anonymous_cannot_download(client, owner, draft):
    item = attachments.add(owner, draft.id, "a.pdf", PDF)
    response = client.get(f"/proposals/attachments/{item.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["organizer", "auditor", "admin"])
def test_staff_download(client, owner, draft, role):
    item = attachments.add(owner, draft.id, "a.pdf", PDF)
    create_user("staff", role)
    login_as(client, "staff")
    assert client.get(f"/proposals/attachments/{item.id}").data == PDF


def test_unknown_attachment_is_404(signed_in):
    assert signed_in.get("/proposals/attachments/999").status_code == 404
    assert signed_in.post("/proposals/attachments/999/delete").status_code == 404


def test_an_organisation_colleague_uploads_downloads_and_removes(client, app):
    org = make_org(1)
    applicant = create_user("org1", "org_member", organisation_id=org.id)
    create_user("org1b", "org_member", organisation_id=org.id)
    create_user("org2", "org_member", organisation_id=make_org(2).id)
    proposal = make_proposal(make_round("submission"), applicant, status="draft",
                             organisation=org)
    item = attachments.add(applicant, proposal.id, "预算.pdf", PDF)
    login_as(client, "org2")
    assert client.get(f"/proposals/attachments/{item.id}").status_code == 404
    assert _upload(client, proposal.id, PNG, "a.png").status_code == 404
    assert client.post(f"/proposals/attachments/{item.id}/delete").status_code == 404
    login_as(client, "org1b")
    response = client.get(f"/proposals/attachments/{item.id}")
    assert response.status_code == 200 and response.data == PDF
    assert _upload(client, proposal.id, PNG, "a.png").status_code == 302
    assert client.post(f"/proposals/attachments/{item.id}/delete").status_code == 302
    assert _count() == 1
