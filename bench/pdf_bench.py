"""Benchmark grants.pdf: plain WeasyPrint vs the GrantsCore renderer on a 公示 notice.

Run by hand from the repository root:

    python bench/pdf_bench.py            # 10 timed renders each, after one warm-up
    python bench/pdf_bench.py --quick    # 3 timed renders each
    python bench/pdf_bench.py --fonttools-subsetter   # also time WeasyPrint's fontTools path

The document cache is bypassed (use_cache=False); the core font is built
before timing starts, as it is in a running application.
"""

import argparse
import hashlib
import html
import logging
import pathlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from unittest import mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from grants.pdf import font_face_css, html_to_pdf, naive_html_to_pdf  # noqa: E402

PROJECTS = [
    ("“邻里守望”独居老人关爱行动", "阳光社会工作服务中心", "和平里社区"),
    ("社区儿童“四点半课堂”", "启航青少年发展协会", "安贞西里社区"),
    ("楼道微花园共建共享计划", "绿色家园志愿者协会", "花园路社区"),
    ("残障人士就业技能培训", "同心助残服务社", "望京西园社区"),
    ("垃圾分类积分兑换站", "环保先锋公益服务中心", "团结湖社区"),
    ("外来务工人员子女暑期托管", "蒲公英教育发展中心", "十八里店社区"),
    ("老旧小区适老化改造调研", "宜居城市研究会", "东四街道"),
    ("社区健康义诊进万家", "仁心医疗志愿服务队", "劲松北社区"),
    ("青年议事厅能力建设", "新青年社区发展中心", "呼家楼社区"),
    ("非遗剪纸进社区", "传承文化艺术工作室", "酒仙桥社区"),
    ("失独家庭心理陪伴计划", "暖心心理咨询服务中心", "小关社区"),
    ("社区图书漂流角", "书香社区阅读推广会", "亚运村社区"),
]

OBJECTION = (
    "公示期为2024年5月6日至5月12日（共七日）。任何单位或个人对上述项目有异议的，"
    "请于公示期内以书面形式实名向区社会组织服务中心提出，写明异议事项和理由，"
    "并附必要的证明材料；以单位名义提出的须加盖公章。匿名异议、超出期限或无实质内容的异议不予受理。"
    "联系电话：010-6512 3456；电子邮箱：gongyi@example.org；地址：和平里东街15号三层。"
)


def _row(rank: int) -> str:
    """One table row: rank, project, applicant, community, score, amount."""
    project, applicant, community = PROJECTS[(rank - 1) % len(PROJECTS)]
    score = 96.4 - (rank - 1) * 0.23
    fen = 1_200_000 - ((rank - 1) % 7) * 85_000
    return (
        f'<tr><td class="center">{rank}</td><td>{html.escape(project)}</td>'
        f"<td>{applicant}</td><td>{community}</td>"
        f'<td class="num">{score:.2f}</td><td class="num">¥{fen // 100:,}.{fen % 100:02d}</td></tr>'
    )


NOTICE_CSS = """table.fixed { table-layout: fixed; width: 100%; }
.w6 { width: 6%; } .w11 { width: 11%; } .w12 { width: 12%; } .w15 { width: 15%; }
.w28 { width: 28%; }"""


def notice_html(rows: int) -> str:
    """A realistic 立项公示 notice with `rows` projects and an audit head hash in the footer."""
    title = "第七届公益创投微项目立项公示"
    head = hashlib.sha256(f"{title}:{rows}".encode()).hexdigest()
    body = "\n".join(_row(rank) for rank in range(1, rows + 1))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}</title><style>{NOTICE_CSS}</style></head><body>
<footer>审计链头哈希：{head}</footer>
<h1>{title}</h1>
<p>根据《公益创投微项目管理办法》，经资格审查、专家评审和现场答辩，\
现将第七届公益创投拟立项项目名单予以公示。</p>
<table class="fixed"><colgroup><col class="w6"><col class="w28"><col class="w28">\
<col class="w12"><col class="w11"><col class="w15"></colgroup>
<thead><tr><th>排名</th><th>项目名称</th><th>申报单位</th><th>所属社区</th>
<th>评审得分</th><th>资助金额</th></tr></thead>
<tbody>{body}</tbody></table>
<h2>异议受理</h2>
<p>{OBJECTION}</p>
</body></html>"""


def p50(render: Callable[[], bytes], repeats: int) -> tuple[float, float]:
    """Median wall and CPU time of `repeats` renders, after one untimed warm-up.

    CPU time is reported too because wall time is unreliable on a shared,
    busy machine.
    """
    render()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def compare(label: str, doc: str, cache_dir: pathlib.Path, repeats: int) -> None:
    """Print naive and fast medians (wall, then CPU) and their ratio for one document."""
    naive, naive_cpu = p50(lambda: naive_html_to_pdf(doc), repeats)
    fast, fast_cpu = p50(lambda: html_to_pdf(doc, cache_dir, use_cache=False), repeats)
    print(
        f"[{label}] naive_p50={naive:.3f}s fast_p50={fast:.3f}s ratio={naive / fast:.1f}"
        f"  (cpu: naive_p50={naive_cpu:.3f}s fast_p50={fast_cpu:.3f}s"
        f" ratio={naive_cpu / fast_cpu:.1f})",
        flush=True,
    )


def main() -> None:
    """Parse options, warm the core font, and run the one-page and 30-page comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 (1 for 30 pages) timed renders, not 10"
    )
    parser.add_argument(
        "--cache-dir",
        type=pathlib.Path,
        default=pathlib.Path(tempfile.gettempdir()) / "grants-pdf-bench",
    )
    parser.add_argument(
        "--fonttools-subsetter",
        action="store_true",
        help="also time WeasyPrint's fontTools subsetting (no libharfbuzz-subset)",
    )
    args = parser.parse_args()
    repeats, long_repeats = (3, 1) if args.quick else (10, 10)
    font_face_css(args.cache_dir / "fonts")
    compare("1 page, 12 rows", notice_html(12), args.cache_dir, repeats)
    compare("30 pages, 1000 rows", notice_html(1000), args.cache_dir, long_repeats)
    if args.fonttools_subsetter:
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        with mock.patch("weasyprint.pdf.fonts.harfbuzz_subset", None):
            compare("1 page, fontTools subsetter", notice_html(12), args.cache_dir, repeats)


if __name__ == "__main__":
    main()
