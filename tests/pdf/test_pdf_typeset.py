"""Long tables go to typst: same Chinese text (rare characters too), embedded fonts, the audit
line, nothing a user typed read as typst code; anything typst cannot reproduce, and every
short document, stays with WeasyPrint."""

import io
import re

import pytest
from pypdf import PdfReader

from grants.pdf import html_to_pdf, render_document, typeset

HASH = "9f" * 32


def notice(rows: int, title: str = "银龄互助食堂", extra: str = "") -> str:
    """A notice shaped like templates/pdf/notice.html with ``rows`` table rows."""
    body = "".join(
        f'<tr><td class="center">{n}</td><td>{title}</td><td>江宁区阳光助老服务中心</td>'
        f'<td class="num">¥12,000.00</td></tr>'
        for n in range(1, rows + 1)
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>第七届 立项结果公示</title><style>.c-a {{ width: 10%; }} .c-b {{ width: 40%; }}</style>
</head><body>
<footer>审计链头 #12 · {HASH}</footer>
<div class="doc-no">公示编号：GS-0007</div>
<h1>第七届公益创投微项目<br>拟立项项目公示</h1>
<p class="lead">经资格审查和专家评审，现将拟立项项目予以公示。</p>
<table class="notice-table"><colgroup><col class="c-a"><col class="c-b"><col class="c-b">
<col class="c-a"></colgroup>
<thead><tr><th>名次</th><th>项目名称</th><th>申报主体</th><th>资助金额</th></tr></thead>
<tbody>{body}</tbody>
<tfoot><tr><th colspan="3">合计 {rows} 个项目</th><th class="num">¥{12_000 * rows:,}.00</th></tr>
</tfoot></table>{extra}
<h2>核验信息</h2>
<p class="small">链头哈希值：<span class="hash">{HASH}</span></p>
</body></html>"""


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def producer(pdf: bytes) -> str:
    meta = PdfReader(io.BytesIO(pdf)).metadata
    return meta.get("/Creator", "") + meta.get("/Producer", "")


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            found[font["/BaseFont"].split("+", 1)[-1]] = "/FontFile2" in descriptor.get_object() \
                or "/FontFile3" in descriptor.get_object()
    return found


@pytest.fixture
def long_rows() -> int:
    return typeset.LONG_TABLE_ROWS + 1


def test_a_long_table_is_laid_out_by_typst_with_its_text_fonts_and_audit_line(
    cache_dir, long_rows
):
    pdf = html_to_pdf(notice(long_rows, title="刘䶮社区书屋"), cache_dir)
    assert "Typst" in producer(pdf)
    text = text_of(pdf)
    assert "拟立项项目公示" in text and "刘䶮社区书屋" in text and "公示编号：GS-0007" in text
    assert f"合计{long_rows}个项目" in text and f"¥{12_000 * long_rows:,}.00" in text
    assert HASH in text and "第1页/共" in text
    fonts = embedded_fonts(pdf)
    assert {"GrantsCore-Regular", "GrantsCore-Bold"} <= set(fonts) and all(fonts.values())
    assert any("NotoSansCJK" in name for name in fonts), "䶮 falls back to Noto Sans CJK SC"


def test_short_documents_stay_with_weasyprint(cache_dir):
    assert "WeasyPrint" in producer(html_to_pdf(notice(3), cache_dir, use_cache=False))


def test_markup_typst_does_not_reproduce_falls_back_to_weasyprint(cache_dir, long_rows):
    html = notice(long_rows, extra='<ul><li>列表</li></ul>')
    with pytest.raises(typeset.Unsupported, match="<ul>"):
        typeset.parse(html)
    assert "WeasyPrint" in producer(html_to_pdf(html, cache_dir, use_cache=False))


@pytest.mark.parametrize("typed", ['#panic("x")', "]*粗体*[", "$x^2$ @ref <lbl> \\#"])
def test_text_typed_by_users_is_printed_never_run(cache_dir, long_rows, typed, monkeypatch):
    monkeypatch.setattr(typeset, "ISOLATE", False)  # in this process: quicker, same layout
    pdf = html_to_pdf(notice(long_rows, title=typed.replace("<", "&lt;").replace(">", "&gt;")),
                      cache_dir, use_cache=False)
    assert re.sub(r"\s+", "", typed) in text_of(pdf)


def test_a_failing_typst_leaves_the_document_to_weasyprint(cache_dir, long_rows, monkeypatch,
                                                          tmp_path, caplog):
    broken = tmp_path / "broken.typ"
    broken.write_text('#panic("no layout today")')
    monkeypatch.setattr(typeset, "PROGRAM", broken)
    with pytest.raises(typeset.TypstFailed, match="no layout today"):
        typeset.render(typeset.parse(notice(long_rows)), cache_dir / "fonts")
    pdf = html_to_pdf(notice(long_rows), cache_dir, use_cache=False)
    assert "WeasyPrint" in producer(pdf) and "拟立项项目公示" in text_of(pdf)
    assert "typst failed" in caplog.text


def test_the_cache_answers_a_long_table_by_its_key(cache_dir, long_rows):
    first, key = render_document(notice(long_rows), cache_dir)
    again, same = render_document(notice(long_rows), cache_dir)
    assert (again, same) == (first, key) and (cache_dir / "docs" / f"{key}.pdf").exists()


def test_parse_keeps_structure_classes_widths_and_spans():
    doc = typeset.parse(notice(2))
    assert doc["title"] == "第七届 立项结果公示"
    kinds = [block["t"] for block in doc["blocks"]]
    assert kinds == ["div", "h1", "p", "table", "h2", "p"]
    table = doc["blocks"][3]
    assert table["cols"] == [10.0, 40.0, 40.0, 10.0]
    assert table["head"][0] == ["名次", "项目名称", "申报主体", "资助金额"]
    assert table["body"][0][0] == {"c": ["1"], "k": ["center"]}
    assert table["foot"][0][0] == {"c": ["合计 2 个项目"], "n": 3}
    assert doc["blocks"][1]["c"] == ["第七届公益创投微项目", {"br": 1}, "拟立项项目公示"]
    assert doc["blocks"][5]["c"][1]["s"] == "hash"
