"""html_to_pdf: Chinese text survives, fonts are embedded, the cache works, no network."""

import io
import re
import socket

import pytest
from pypdf import PdfReader

from grants.pdf import BASE_CSS, html_to_pdf, naive_html_to_pdf
from grants.pdf.render import LocalOnlyFetcher, URLRefused

TITLE = "第七届公益创投微项目立项公示"
# A 1x1 transparent PNG.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR4nGNg"
    "YAAAAAMAASsJTYQAAAAASUVORK5CYII="
)


def notice(title: str = TITLE, extra: str = "") -> str:
    """A small 公示 notice: title, one table row with an amount, a footer."""
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<footer>审计链头哈希：{"ab" * 32}</footer>
<h1>{title}</h1>
<table><thead><tr><th>排名</th><th>项目名称</th><th>资助金额</th></tr></thead>
<tbody><tr><td>1</td><td>社区儿童四点半课堂</td><td class="num">¥12,000.00</td></tr></tbody>
</table>{extra}</body></html>"""


def text_of(pdf: bytes) -> str:
    """All extracted text, whitespace removed (extraction spacing is a heuristic)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def fonts_of(pdf: bytes) -> dict[str, dict]:
    """Map each embedded font's base name (subset tag stripped) to its Type0 font dict."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts[font["/BaseFont"].split("+", 1)[-1]] = font
    return fonts


def test_notice_text_extracts(cache_dir):
    text = text_of(html_to_pdf(notice(), cache_dir))
    assert TITLE in text
    assert "¥12,000.00" in text


def test_core_font_sets_the_common_text(cache_dir):
    assert set(fonts_of(html_to_pdf(notice(), cache_dir))) == {"GrantsCore", "GrantsCore-Bold"}


def test_rare_character_falls_back_to_system_font(cache_dir):
    title = "䶮字社区微项目公示"
    pdf = html_to_pdf(notice(title), cache_dir)
    assert title in text_of(pdf)
    fallback = [f for name, f in fonts_of(pdf).items() if "Noto-Sans-CJK-SC" in name]
    assert fallback, "䶮 should be set in the full Noto Sans CJK SC"
    cmap = fallback[0]["/ToUnicode"].get_object().get_data().decode()
    gids = re.findall(r"<([0-9a-f]{4})>\s*<4dae>", cmap, re.IGNORECASE)
    assert gids and int(gids[0], 16) != 0, "䶮 must map to a real glyph, not .notdef"


def test_fonts_are_embedded(cache_dir):
    fonts = fonts_of(html_to_pdf(notice("䶮" + TITLE), cache_dir))
    assert len(fonts) == 3
    for font in fonts.values():
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_cache_hit_returns_identical_bytes(cache_dir):
    first = html_to_pdf(notice(), cache_dir)
    assert html_to_pdf(notice(), cache_dir) == first
    assert len(list((cache_dir / "docs").glob("*.pdf"))) == 1


def test_cache_is_keyed_by_content_and_css(cache_dir):
    html_to_pdf(notice(), cache_dir)
    html_to_pdf(notice("另一份公示"), cache_dir)
    html_to_pdf(notice(), cache_dir, extra_css="h1 { color: #900; }")
    assert len(list((cache_dir / "docs").glob("*.pdf"))) == 3


def test_no_cache_neither_reads_nor_writes(cache_dir):
    html_to_pdf(notice(), cache_dir, use_cache=False)
    assert not (cache_dir / "docs").exists()


def test_fetcher_refuses_network_urls():
    for url in ("http://example.com/x.png", "https://example.com/x.png", "ftp://example.com/x"):
        with pytest.raises(URLRefused):
            LocalOnlyFetcher().fetch(url)


def test_remote_image_is_skipped_without_network(cache_dir, monkeypatch):
    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("the renderer tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    extra = '<img src="http://example.com/x.png"><img src="https://example.com/y.png">'
    pdf = html_to_pdf(notice(extra=extra), cache_dir, use_cache=False)
    assert pdf.startswith(b"%PDF")
    assert TITLE in text_of(pdf)
    assert attempts == []


def test_data_urls_are_allowed(cache_dir):
    pdf = html_to_pdf(notice(extra=f'<img src="{PIXEL}">'), cache_dir, use_cache=False)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "/XObject" in page["/Resources"]


def test_naive_renderer_uses_only_the_system_font():
    pdf = naive_html_to_pdf(notice())
    assert TITLE in text_of(pdf)
    assert all("Noto-Sans-CJK-SC" in name for name in fonts_of(pdf))


def test_base_css_font_stack():
    assert '"GrantsCore", "Noto Sans CJK SC", sans-serif' in BASE_CSS
    assert "size: A4" in BASE_CSS
