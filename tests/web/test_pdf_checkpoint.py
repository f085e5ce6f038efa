"""Every document prints the signed checkpoint of the audit log it was made under."""

from __future__ import annotations

import io

import pypdf
import pytest

from grants.services import checkpoints
from grants.web import documents
from tests.checkpoint_support import write_entries


@pytest.fixture
def shared_pdf_cache(app, tmp_path_factory):
    """The session's PDF cache, so the core font is derived only once."""
    app.config["PDF_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "pdf-cache")


def test_every_document_prints_the_latest_checkpoint(app):
    write_entries(3)
    checkpoints.sign()
    write_entries(2, start=3)
    row = checkpoints.sign().checkpoint
    html = documents.render_html("_base")
    head = checkpoints.head_of(row)
    assert f"审计检查点 {head.origin} · 5 条 · " in html and head.root_b64 in html


def test_before_the_first_checkpoint_documents_say_none_is_signed(app):
    assert "审计检查点：尚未签发" in documents.render_html("_base")


def test_the_pdf_text_carries_the_checkpoint_and_the_cache_still_answers(app, shared_pdf_cache):
    write_entries(2)
    head = checkpoints.head_of(checkpoints.sign().checkpoint)
    pdf = documents.render_pdf("_base")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert head.root_b64 in text.replace("\n", "") and head.origin in text
    assert documents.render_pdf("_base") == pdf


def test_a_long_document_laid_out_by_typst_carries_the_checkpoint_too(app, shared_pdf_cache,
                                                                    monkeypatch):
    """Long tables go to typst, which lays out the same running footer."""
    monkeypatch.setattr("grants.pdf.typeset.LONG_TABLE_ROWS", -1)
    write_entries(4)
    head = checkpoints.head_of(checkpoints.sign().checkpoint)
    reader = pypdf.PdfReader(io.BytesIO(documents.render_pdf("_base")))
    assert "Typst" in reader.metadata.get("/Creator", "")
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert f"{head.origin} · 4 条" in text and head.root_b64 in text
