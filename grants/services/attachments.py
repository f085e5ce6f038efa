"""Attachments of a proposal: PDF, JPEG and PNG recognised by content, stored once by sha256.

A file's type is read from its first bytes, never from its name, so an HTML page renamed
``.pdf`` is refused. Each file is at most 10 MB and a proposal holds at most 10 files.
Files change only while the proposal may be edited and inside the round's window for it (the
submission period, or until the return deadline for a returned proposal), like the form
itself. Downloads go through the same permission check as the proposal itself, so an
organisation colleague of the applicant has the applicant's access. Adding and removing are audited as
``attachment.add`` / ``attachment.remove`` with the role that authorised them (``applicant``).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import submission_action
from grants.domain.roles import APPLICANT
from grants.extensions import db
from grants.models import Attachment, AttachmentBlob, Proposal
from grants.models.evaluations import EvaluationPhoto
from grants.models.expenses import ExpenseReceipt
from grants.services import audit, unit_of_work
from grants.services.proposals import lock_editable
from grants.services.rounds import check_phase

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
FILENAME_MAX_CHARS = 100
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}

CHANGED_BY = APPLICANT
"""The role that authorises adding or removing a file: only owners of an editable proposal."""


def sniff_type(data: bytes) -> str | None:
    """The content type from the file's magic bytes (PDF, JPEG, PNG), else ``None``."""
    for magic, content_type, _ext in SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """A display-safe file name: no folders or control characters, Chinese kept.

    The extension is made to match the real content type, so a PNG called ``photo.pdf``
    downloads as ``photo.pdf.png`` and opens with the right program.
    """
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    text = PurePath(text.rsplit("/", 1)[-1]).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    allowed = EXTENSIONS[content_type]
    ext = next((e for e in allowed if text.lower().endswith(e)), None)
    stem, ext = (text[: -len(ext)], text[-len(ext) :]) if ext else (text, allowed[0])
    stem = stem.strip().lstrip(".").strip()[: FILENAME_MAX_CHARS - len(ext)].rstrip()
    return (stem or "附件") + ext


def check_content(data: bytes) -> str:
    """Refuse oversize, empty and unknown-type files; return the content type read from the
    bytes. Shared by proposal attachments and expense receipts, which follow the same rules."""
    if len(data) > MAX_FILE_BYTES:
        size_mb = len(data) / (1024 * 1024)
        message = msg("文件太大（{size} MB）：每个附件不能超过 10 MB", size=f"{size_mb:.1f}")
        raise Refusal(message, status=413)
    if not data:
        raise Refusal(msg("文件是空的，请重新选择"), status=400)
    content_type = sniff_type(data)
    if content_type is None:
        raise Refusal(
            msg("只接受 PDF、JPEG 或 PNG 文件（按文件内容识别，改扩展名无效）"), status=415
        )
    return content_type


def _check_file(data: bytes, count: int) -> str:
    """Refuse a file :func:`check_content` refuses, or one too many; return the content type."""
    content_type = check_content(data)
    if count >= MAX_FILES:
        raise Refusal(msg("每个申报最多上传 {max} 个附件", max=MAX_FILES), status=409)
    return content_type


def store_blob(digest: str, data: bytes) -> None:
    """Keep the bytes once: an identical upload reuses the stored blob."""
    if db.session.get(AttachmentBlob, digest) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(AttachmentBlob(sha256=digest, size=len(data), data=data))
    except IntegrityError:
        pass  # stored by a concurrent upload of the same bytes a moment ago


def blob_in_use(digest: str) -> bool:
    """True while an attachment, an expense receipt or an evaluation photo still refers to the
    stored bytes."""
    attachment = select(Attachment.id).where(Attachment.sha256 == digest).exists()
    receipt = select(ExpenseReceipt.id).where(ExpenseReceipt.sha256 == digest).exists()
    photo = select(EvaluationPhoto.id).where(EvaluationPhoto.sha256 == digest).exists()
    return bool(db.session.scalar(select(attachment | receipt | photo)))


def _check_window(proposal: Proposal, now: datetime | None) -> None:
    """Refuse (409, naming the date) outside the window in which the proposal may be edited:
    the submission period for a draft, until the return deadline for a returned one."""
    if message := check_phase(proposal.round, submission_action(proposal.status), now):
        raise Refusal(message, status=409)


def add(user, proposal_id: int, filename: str | None, data: bytes,
        now: datetime | None = None) -> Attachment:
    """Attach a file to an editable proposal ``user`` owns, inside its editing window;
    audited as ``attachment.add``."""
    with unit_of_work():
        proposal = lock_editable(user, proposal_id)
        _check_window(proposal, now)
        count = db.session.scalar(
            select(func.count(Attachment.id)).where(Attachment.proposal_id == proposal.id)
        )
        content_type = _check_file(data, count)
        digest = hashlib.sha256(data).hexdigest()
        store_blob(digest, data)
        attachment = Attachment(
            proposal_id=proposal.id,
            sha256=digest,
            filename=clean_filename(filename, content_type),
            content_type=content_type,
            size=len(data),
            uploaded_by_id=user.id,
        )
        db.session.add(attachment)
        db.session.flush()
        audit.record(
            "attachment.add",
            "attachment",
            attachment.id,
            {
                "proposal_id": proposal.id,
                "filename": attachment.filename,
                "sha256": digest,
                "size": len(data),
                "content_type": content_type,
            },
            actor=user,
            actor_role=CHANGED_BY,
        )
    return attachment


def _load(attachment_id: int) -> tuple[Attachment, Proposal]:
    """An attachment and its proposal, or a 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise Refusal(msg("找不到这个附件"), status=404)
    return attachment, db.session.get(Proposal, attachment.proposal_id)


def remove(user, attachment_id: int, now: datetime | None = None) -> int:
    """Remove an attachment while its proposal is editable and inside its editing window;
    returns the proposal id."""
    with unit_of_work():
        attachment, _proposal = _load(attachment_id)
        proposal = lock_editable(user, attachment.proposal_id)
        _check_window(proposal, now)
        digest = attachment.sha256
        payload = {"proposal_id": proposal.id, "filename": attachment.filename, "sha256": digest}
        db.session.delete(attachment)
        db.session.flush()
        if not blob_in_use(digest):
            db.session.delete(db.session.get(AttachmentBlob, digest))
        audit.record("attachment.remove", "attachment", attachment_id, payload, actor=user,
                     actor_role=CHANGED_BY)
    return proposal.id


def fetch(user, attachment_id: int) -> tuple[Attachment, bytes]:
    """An attachment and its bytes for someone who may see its proposal; else a 404."""
    attachment, proposal = _load(attachment_id)
    allowed, _reason = perms.can_view_attachment(user, attachment, proposal)
    if not allowed:
        raise Refusal(msg("找不到这个附件"), status=404)
    return attachment, db.session.get(AttachmentBlob, attachment.sha256).data


def of_proposal(proposal_id: int) -> list[Attachment]:
    """A proposal's attachments in upload order."""
    query = select(Attachment).where(Attachment.proposal_id == proposal_id).order_by(Attachment.id)
    return list(db.session.scalars(query))
