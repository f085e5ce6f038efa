"""Render Chinese HTML documents to PDF with WeasyPrint (long tables with typst), quickly and
offline."""

import logging
import os
import pathlib
import threading
from typing import NamedTuple

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from . import typeset
from .builder import FAMILY
from .doccache import doc_key, read_cached, write_cached
from .fonts import SYSTEM_FAMILY, font_face_css

#: Part of every document cache key: bump when the output of the renderer changes.
RENDERER_VERSION = "1"
FONT_STACK = f'"{FAMILY}", "{SYSTEM_FAMILY}", sans-serif'
_NAIVE_STACK = f'"{SYSTEM_FAMILY}", sans-serif'
_LOCAL_SCHEMES = ("file", "data")
logger = logging.getLogger(__name__)

BASE_CSS = f"""
@page {{
  size: A4;
  margin: 20mm 18mm 22mm 18mm;
  @bottom-left {{ content: element(footer); vertical-align: top; }}
  @bottom-right {{
    content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
    font-size: 8pt; color: #555; vertical-align: top;
  }}
}}
html {{ font-family: {FONT_STACK}; font-size: 10.5pt; line-height: 1.5; color: #111; }}
body {{ margin: 0; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 10pt; }}
h2 {{ font-size: 13pt; margin: 12pt 0 4pt; }}
p {{ margin: 0 0 6pt; text-align: justify; }}
table {{ width: 100%; border-collapse: collapse; margin: 6pt 0 10pt; }}
th, td {{ border: 0.5pt solid #888; padding: 2pt 4pt; vertical-align: middle; }}
th {{ background: #eee; text-align: center; }}
tr {{ break-inside: avoid; }}
.num {{ text-align: right; white-space: nowrap; }}
.center {{ text-align: center; }}
footer {{ position: running(footer); font-size: 8pt; color: #555; word-break: break-all; }}
"""
_NAIVE_CSS = BASE_CSS.replace(FONT_STACK, _NAIVE_STACK)


class URLRefused(ValueError):
    """A document asked for a resource that is neither file: nor data:."""


class LocalOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that only opens file: and data: URLs, never the network."""

    def fetch(self, url, headers=None):
        """Refuse any URL outside file:/data:; WeasyPrint then skips the resource."""
        if url.split(":", 1)[0].lower() not in _LOCAL_SCHEMES:
            raise URLRefused(f"refusing to fetch {url!r}: only file: and data: URLs are allowed")
        return super().fetch(url, headers)


class _Session(NamedTuple):
    key: tuple
    font_config: FontConfiguration
    base: weasyprint.CSS


_local = threading.local()


def _session(faces: str) -> _Session:
    """Return this thread's font configuration and parsed base stylesheet, made once.

    Reusing them keeps fontconfig and Pango from reloading fonts for every
    document; they are per thread (and per process) because Pango's font
    maps are not meant to be shared between threads.
    """
    key = (os.getpid(), faces)
    session = getattr(_local, "session", None)
    if session is None or session.key != key:
        config = FontConfiguration()
        base = weasyprint.CSS(
            string=faces + BASE_CSS, font_config=config, url_fetcher=LocalOnlyFetcher()
        )
        session = _local.session = _Session(key, config, base)
    return session


def _render(html: str, faces: str, extra_css: str) -> bytes:
    """Lay out `html` with GrantsCore first in the font stack and return the PDF."""
    session = _session(faces)
    fetcher = LocalOnlyFetcher()
    sheets = [session.base]
    if extra_css:
        sheets.append(
            weasyprint.CSS(string=extra_css, font_config=session.font_config, url_fetcher=fetcher)
        )
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=session.font_config)


def html_to_pdf(
    html: str, cache_dir: pathlib.Path, extra_css: str = "", use_cache: bool = True
) -> bytes:
    """Render `html` (plus BASE_CSS and `extra_css`) to PDF bytes, fast and offline.

    Text is set in the cached GrantsCore font (built once in `cache_dir/fonts`)
    with the full Noto Sans CJK SC as fallback, so rare characters never turn
    into boxes. A long table (more than ``typeset.LONG_TABLE_ROWS`` rows, in
    markup typst reproduces) is laid out by typst with the same look, in a
    fraction of the time. With `use_cache`, identical content is served from
    `cache_dir/docs` without rendering again. Only file: and data: URLs are
    ever fetched.
    """
    return render_document(html, cache_dir, extra_css, use_cache)[0]


def render_document(
    html: str, cache_dir: pathlib.Path, extra_css: str = "", use_cache: bool = True
) -> tuple[bytes, str]:
    """:func:`html_to_pdf`, also returning the document's key in the cache, so a caller can
    keep the key and serve the same PDF later with :func:`cached_pdf` alone."""
    cache_dir = pathlib.Path(cache_dir)
    faces = font_face_css(cache_dir / "fonts")
    long_table = _long_table(html, extra_css)
    if long_table is not None:
        key = doc_key(RENDERER_VERSION, typeset.engine_version(), typeset.program().decode(),
                      faces, html)
        if use_cache and (cached := read_cached(cache_dir / "docs", key)) is not None:
            return cached, key
        try:
            return _kept(typeset.render(long_table, cache_dir / "fonts"), cache_dir, key,
                         use_cache)
        except typeset.TypstFailed:
            logger.exception("typst failed on a long table; laying it out with WeasyPrint")
    key = doc_key(RENDERER_VERSION, weasyprint.__version__, faces, BASE_CSS, extra_css, html)
    if use_cache and (cached := read_cached(cache_dir / "docs", key)) is not None:
        return cached, key
    return _kept(_render(html, faces, extra_css), cache_dir, key, use_cache)


def _kept(pdf: bytes, cache_dir: pathlib.Path, key: str, use_cache: bool) -> tuple[bytes, str]:
    """Store a freshly laid out PDF under its key (with ``use_cache``) and hand both back."""
    if use_cache:
        write_cached(cache_dir / "docs", key, pdf)
    return pdf, key


def _long_table(html: str, extra_css: str) -> dict | None:
    """The document as typst's data when it is a long table typst reproduces (more than
    ``typeset.LONG_TABLE_ROWS`` rows, no extra stylesheet); None for WeasyPrint."""
    if extra_css or typeset.table_rows(html) <= typeset.LONG_TABLE_ROWS:
        return None
    try:
        return typeset.parse(html)
    except typeset.Unsupported:
        return None


def cached_pdf(cache_dir: pathlib.Path, key: str) -> bytes | None:
    """The PDF cached under `key` (from :func:`render_document`), or None: nothing is laid
    out, so a hit costs a file read."""
    return read_cached(pathlib.Path(cache_dir) / "docs", key)


def naive_html_to_pdf(html: str, extra_css: str = "") -> bytes:
    """Render `html` with plain WeasyPrint and the system Noto Sans CJK SC only.

    This is the straightforward way, kept as the benchmark baseline: same
    stylesheet, no core font, no reuse of font configurations, no cache.
    """
    fetcher = LocalOnlyFetcher()
    sheets = [weasyprint.CSS(string=_NAIVE_CSS, url_fetcher=fetcher)]
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css, url_fetcher=fetcher))
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)
