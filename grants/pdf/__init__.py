"""Fast, offline PDF rendering of Chinese documents set in Noto Sans CJK SC.

`html_to_pdf` lays documents out with WeasyPrint using GrantsCore, a small
TrueType font derived once from the system Noto Sans CJK SC (common hanzi and
punctuation), falling back to the full system font for anything else.
Documents made of long tables are laid out by typst from the same HTML
(:mod:`grants.pdf.typeset`); batches on worker processes (:mod:`grants.pdf.batch`).
Nothing here depends on Flask: callers pass the cache directory.
"""

from .fonts import FontMissing, core_font_path, find_system_font, font_face_css
from .render import BASE_CSS, cached_pdf, html_to_pdf, naive_html_to_pdf, render_document

__all__ = [
    "BASE_CSS",
    "FontMissing",
    "cached_pdf",
    "core_font_path",
    "find_system_font",
    "font_face_css",
    "html_to_pdf",
    "naive_html_to_pdf",
    "render_document",
]
