"""Copies of attachments without the facts their files carry about who made them.

In blind review a judge must not learn whose proposal they read, yet a PDF's document
information (Author, Creator, Title …), its XMP packet and a photo's EXIF (camera owner,
GPS, phone model, comments) often name the applicant. A judge is therefore served a rewritten
copy: the PDF's pages in a new document with no Info dictionary and no XMP (neither for the
document nor for any page), and the image re-encoded from its pixels alone (EXIF, XMP, text
chunks and comments dropped, turned upright first so nothing looks rotated). Organizers and
auditors keep the original bytes, whose sha256 the audit chain holds.

A file that cannot be rewritten (encrypted, damaged, a decompression bomb) is refused with
:class:`NotScrubbable` rather than served as it is: leaking is worse than a missing file, and
the organizer still has the original.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter

PAGE_METADATA_KEYS = ("/Metadata", "/PieceInfo")
JPEG_QUALITY = 90


class NotScrubbable(Exception):
    """The file could not be rewritten without its metadata."""


def _pdf(data: bytes) -> bytes:
    reader = PdfReader(BytesIO(data))
    if reader.is_encrypted:
        raise NotScrubbable("encrypted PDF")
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None
    for page in writer.pages:
        for key in PAGE_METADATA_KEYS:
            if key in page:
                del page[key]
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _image(data: bytes, kind: str) -> bytes:
    with Image.open(BytesIO(data)) as source:
        upright = ImageOps.exif_transpose(source)
        upright.info = {}
        out = BytesIO()
        if kind == "JPEG":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            upright.save(out, "JPEG", quality=JPEG_QUALITY)
        else:
            upright.save(out, "PNG")
    return out.getvalue()


def scrubbed(data: bytes, content_type: str) -> bytes:
    """A copy of an attachment (PDF, JPEG or PNG) without its document metadata or EXIF.

    Raises :class:`NotScrubbable` when the file cannot be rewritten.
    """
    try:
        if content_type == "application/pdf":
            return _pdf(data)
        if content_type == "image/jpeg":
            return _image(data, "JPEG")
        if content_type == "image/png":
            return _image(data, "PNG")
    except NotScrubbable:
        raise
    except Exception as error:  # noqa: BLE001 — any parser failure means "cannot scrub"
        raise NotScrubbable(str(error)) from error
    raise NotScrubbable(f"unknown type {content_type}")
