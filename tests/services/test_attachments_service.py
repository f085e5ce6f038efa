"""Attachments: content sniffing, size and count limits, one blob per content, safe names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import Attachment, AttachmentBlob, AuditEntry
from grants.services import attachments
from grants.services.attachments import clean_filename, sniff_type
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def owner(app):
    return create_user("zhanggl", "resident")


@pytest.fixture
def draft(owner):
    return make_proposal(make_round("submission"), owner, status="draft")


def _blobs() -> int:
    return db.session.scalar(select(func.count()).select_from(AttachmentBlob))


@pytest.mark.parametrize(
    "data, expected",
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"<html><script>alert(1)</script></html>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_type_is_read_from_the_content(data, expected):
    assert sniff_type(data) == expected


@pytest.mark.parametrize(
    "name, content_type, expected",
    [
        ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\张\\预算 明细.pdf", "application/pdf", "预算 明细.pdf"),
        ("活动\x00照片\n.png", "image/png", "活动照片.png"),
        ("照片.JPEG", "image/jpeg", "照片.JPEG"),
        ("scan.pdf", "image/png", "scan.pdf.png"),
        ("", "application/pdf", "附件.pdf"),
        (".pdf", "application/pdf", "附件.pdf"),
        ("长" * 300 + ".pdf", "application/pdf", "长" * 96 + ".pdf"),
    ],
)
def test_filenames_are_made_safe_but_keep_chinese(name, content_type, expected):
    assert clean_filename(name, content_type) == expected


def test_same_bytes_are_stored_once_and_audited(owner, draft):
    before = audit_count()
    first = attachments.add(owner, draft.id, "预算.pdf", PDF)
    second = attachments.add(owner, draft.id, "预算副本.pdf", PDF)
    assert first.sha256 == second.sha256
    assert _blobs() == 1
    assert audit_count() == before + 2
    attachments.remove(owner, first.id)
    assert _blobs() == 1
    attachments.remove(owner, second.id)
    assert _blobs() == 0
    assert audit_count() == before + 4


def test_html_renamed_pdf_is_refused(owner, draft):
    before = audit_count()
    with pytest.raises(Refusal, match="只接受 PDF、JPEG 或 PNG") as caught:
        attachments.add(owner, draft.id, "方案.pdf", b"<!doctype html><p>hi</p>")
    assert caught.value.status == 415
    assert audit_count() == before


def test_oversize_file_is_413(owner, draft):
    with pytest.raises(Refusal, match="不能超过 10 MB") as caught:
        attachments.add(owner, draft.id, "大.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert caught.value.status == 413
    assert _blobs() == 0


def test_at_most_ten_files(owner, draft):
    for i in range(10):
        attachments.add(owner, draft.id, f"{i}.png", PNG + bytes([i]))
    with pytest.raises(Refusal, match="最多上传 10 个附件"):
        attachments.add(owner, draft.id, "11.png", PNG + b"x")
    assert db.session.scalar(select(func.count(Attachment.id))) == 10


def test_only_the_owner_of_an_editable_proposal_changes_attachments(owner, draft):
    other = create_user("liujg", "resident")
    with pytest.raises(Refusal) as caught:
        attachments.add(other, draft.id, "a.pdf", PDF)
    assert caught.value.status == 404
    item = attachments.add(owner, draft.id, "a.pdf", PDF)
    with pytest.raises(Refusal):
        attachments.remove(other, item.id)
    draft.status = "eligible"
    db.session.commit()
    with pytest.raises(Refusal) as caught:
        attachments.remove(owner, item.id)
    assert caught.value.status == 409


def test_download_follows_the_proposal_permission(owner, draft):
    item = attachments.add(owner, draft.id, "a.pdf", PDF)
    assert attachments.fetch(owner, item.id)[1] == PDF
    assert attachments.fetch(create_user("auditor1", "auditor"), item.id)[1] == PDF
    for stranger in (create_user("liujg", "resident"), create_user("judge1", "judge"), None):
        with pytest.raises(Refusal) as caught:
            attachments.fetch(stranger, item.id)
        assert caught.value.status == 404


def test_an_organisation_colleague_has_the_applicants_access_to_files(app):
    org = make_org(1)
    applicant = create_user("org1", "org_member", organisation_id=org.id)
    colleague = create_user("org1b", "org_member", organisation_id=org.id)
    stranger = create_user("org2", "org_member", organisation_id=make_org(2).id)
    proposal = make_proposal(make_round("submission"), applicant, status="draft",
                             organisation=org)
    item = attachments.add(colleague, proposal.id, "a.pdf", PDF)
    assert attachments.fetch(applicant, item.id)[1] == PDF
    assert attachments.fetch(colleague, item.id)[1] == PDF
    for call in (
        lambda: attachments.fetch(stranger, item.id),
        lambda: attachments.add(stranger, proposal.id, "b.pdf", PDF),
        lambda: attachments.remove(stranger, item.id),
    ):
        with pytest.raises(Refusal) as caught:
            call()
        assert caught.value.status == 404
    assert attachments.remove(colleague, item.id) == proposal.id
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "attachment")
                                 .order_by(AuditEntry.seq)).all()
    assert [(e.action, e.actor_id, e.actor_role) for e in entries] == [
        ("attachment.add", colleague.id, "applicant"),
        ("attachment.remove", colleague.id, "applicant"),
    ]
