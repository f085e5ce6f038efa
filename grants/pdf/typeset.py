"""Long tabular documents laid out by typst instead of WeasyPrint, from the same HTML.

WeasyPrint lays a 1,000-row notice out in about 7 s of CPU on this machine whatever the markup
(see ``bench/pdf_bench.py``); typst lays the same table out in well under a second. Documents
stay designed in HTML (``templates/pdf``): :func:`parse` reads the rendered HTML of a document
made of the elements BASE_CSS styles — headings, paragraphs, tables with a header, body and
footer, a running footer — into plain data, and ``longtable.typ`` lays that data out with the
same page, fonts, sizes, borders and alignments. Anything else in the HTML raises
:class:`Unsupported`, and the document goes to WeasyPrint as before.

Text reaches typst only as JSON strings, never as typst markup, so nothing typed by a user can
act as code. Fonts are GrantsCore from the cache with the system Noto Sans CJK SC as fallback
(found through fontconfig); typst never looks at other system fonts and never at the network.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

from .builder import FAMILY
from .fonts import SYSTEM_FAMILY, core_font_path, find_system_font

PROGRAM = pathlib.Path(__file__).with_name("longtable.typ")
MONO_FAMILY = "DejaVu Sans Mono"
"""Typst's own monospace font, for hashes (WeasyPrint's ``monospace`` is DejaVu Sans Mono)."""
LONG_TABLE_ROWS = 60
"""Documents with more table rows than this (about three pages) are laid out by typst."""

_VOID = frozenset({"br", "col", "meta", "link", "hr", "img", "wbr"})
_SKIPPED = frozenset({"head", "title", "style", "script"})
_BLOCK_CLASSES = frozenset({"lead", "right", "small", "doc-no"})
_CELL_CLASSES = frozenset({"num", "center", "right", "amount"})
_TABLE_CLASSES = frozenset({"notice-table", "fixed"})
_SPAN_STYLES = {"strong": "b", "b": "b", "amount": "b", "hash": "hash", "": ""}
_WIDTH_RULE = re.compile(r"(?:\.([\w-]+)\s+)?\.([\w-]+)\s*\{\s*width:\s*([\d.]+)%\s*;?\s*\}")
"""``.c-rank { width: 6%; }`` or ``.notice-table .c-rank { width: 6%; }``: a column's width."""
_SPACE = re.compile(r"\s+")
_ROW = re.compile(r"<tr[\s>]", re.IGNORECASE)
_HEX_RUN = re.compile(r"[0-9a-f]{16,}")


class Unsupported(ValueError):
    """The HTML uses something the typst layout does not reproduce; use WeasyPrint."""


@dataclass
class _Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        """The element's classes, in order."""
        return (self.attrs.get("class") or "").split()

    def elements(self) -> list[_Node]:
        """Child elements, skipping whitespace; any other text here is an error."""
        found = []
        for child in self.children:
            if isinstance(child, _Node):
                found.append(child)
            elif child.strip():
                raise Unsupported(f"text {child.strip()[:20]!r} directly in <{self.tag}>")
        return found


class _TreeBuilder(HTMLParser):
    """Build a small element tree, keeping the text of <style> and <title> aside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]
        self.style = ""
        self.title = ""

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        current = self.stack[-1].tag
        if current == "style":
            self.style += data
        elif current == "title":
            self.title += data
        self.stack[-1].children.append(data)


def table_rows(html: str) -> int:
    """How many table rows the HTML holds (a cheap count, before any parsing)."""
    return len(_ROW.findall(html))


def _find(node: _Node, tag: str) -> _Node | None:
    """The first element ``tag`` under ``node``, depth first."""
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == tag:
                return child
            if (found := _find(child, tag)) is not None:
                return found
    return None


def parse(html: str) -> dict:
    """The document as typst's input data: title, running footer and blocks.

    Raises :class:`Unsupported` for any element, class or text the typst layout does not
    reproduce faithfully.
    """
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    body = _find(builder.root, "body")
    if body is None:
        raise Unsupported("no <body>")
    widths = {(scope, name): float(value)
              for scope, name, value in _WIDTH_RULE.findall(builder.style)}
    doc = {"title": _SPACE.sub(" ", builder.title).strip(), "footer": [], "blocks": []}
    for element in body.elements():
        if element.tag == "footer":
            doc["footer"] = _breakable(_inline(element))
        elif element.tag == "table":
            doc["blocks"].append(_table(element, widths))
        elif element.tag in ("h1", "h2", "p", "div"):
            doc["blocks"].append(_block(element))
        else:
            raise Unsupported(f"<{element.tag}> in <body>")
    return doc


def _block(element: _Node) -> dict:
    """A heading, paragraph or ``div.doc-no`` with its inline content."""
    classes = element.classes
    unknown = set(classes) - _BLOCK_CLASSES
    if unknown or (element.tag == "div" and classes != ["doc-no"]):
        raise Unsupported(f"<{element.tag} class={' '.join(classes)!r}>")
    block = {"t": element.tag, "c": _inline(element)}
    if classes:
        block["k"] = classes
    return block


def _inline(element: _Node) -> list:
    """Inline content: strings (white space collapsed as HTML does), line breaks and spans."""
    items: list = []
    for child in element.children:
        if isinstance(child, str):
            text = _SPACE.sub(" ", child)
            if text:
                items.append(text)
        elif child.tag == "br":
            items.append({"br": 1})
        elif child.tag in ("strong", "b", "span"):
            items.append(_span(child))
        else:
            raise Unsupported(f"<{child.tag}> inside <{element.tag}>")
    return _trim(items)


def _span(element: _Node) -> dict:
    """A styled span: bold (``strong``, ``.amount``), a hash (monospace, breaks anywhere)."""
    classes = element.classes
    key = element.tag if element.tag != "span" else (classes[0] if classes else "")
    if len(classes) > 1 or key not in _SPAN_STYLES:
        raise Unsupported(f"<{element.tag} class={' '.join(classes)!r}>")
    content = _inline(element)
    style = _SPAN_STYLES[key]
    return {"s": style, "c": _breakable(content) if style == "hash" else content}


def _trim(items: list) -> list:
    """Drop the white space a block starts or ends with, and around line breaks."""
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        before = index == 0 or isinstance(items[index - 1], dict) and "br" in items[index - 1]
        after = index == len(items) - 1 or (
            isinstance(items[index + 1], dict) and "br" in items[index + 1]
        )
        if before:
            item = item.lstrip()
        if after:
            item = item.rstrip()
        items[index] = item
    return [item for item in items if item != ""]


def _breakable(items: list) -> list:
    """Let long runs without spaces (hashes) break anywhere, as CSS ``word-break: break-all``:
    each run becomes a ``brk`` span, which typst sets one box per character (a zero-width space
    would do it too, but would then be in the text a reader copies)."""
    out: list = []
    for item in items:
        if isinstance(item, str):
            last = 0
            for run in _HEX_RUN.finditer(item):
                out.extend(part for part in (item[last:run.start()],) if part)
                out.append({"s": "brk", "c": [run.group()]})
                last = run.end()
            out.extend(part for part in (item[last:],) if part)
        else:
            out.append({**item, "c": _breakable(item["c"])} if "c" in item else item)
    return out


def _table(element: _Node, widths: dict[tuple[str, str], float]) -> dict:
    """A table: column widths from its ``<col>`` classes, header, body and footer rows."""
    if set(element.classes) - _TABLE_CLASSES:
        raise Unsupported(f"<table class={' '.join(element.classes)!r}>")
    table = {"t": "table", "cols": [], "head": [], "body": [], "foot": []}
    for part in element.elements():
        if part.tag == "colgroup":
            table["cols"] = [_width(col, element.classes, widths) for col in part.elements()]
        elif part.tag in ("thead", "tbody", "tfoot"):
            key = {"thead": "head", "tbody": "body", "tfoot": "foot"}[part.tag]
            table[key].extend(_row(tr) for tr in part.elements())
        elif part.tag == "tr":
            table["body"].append(_row(part))
        else:
            raise Unsupported(f"<{part.tag}> in <table>")
    if not table["cols"]:
        first = (table["head"] or table["body"] or [[]])[0]
        table["cols"] = [None] * sum(c.get("n", 1) if isinstance(c, dict) else 1 for c in first)
    return table


def _width(col: _Node, scopes: list[str], widths: dict[tuple[str, str], float]) -> float | None:
    """A column's width in percent from its style or its class's CSS rule (one scoped by the
    table's class first, as ``.notice-table .c-amount``); None for auto."""
    style = col.attrs.get("style") or ""
    if match := re.search(r"width:\s*([\d.]+)%", style):
        return float(match.group(1))
    for name in col.classes:
        for scope in (*scopes, ""):
            if (scope, name) in widths:
                return widths[scope, name]
    return None


def _row(tr: _Node) -> list:
    """One row's cells: a bare string for a plain cell, else its content, classes and span."""
    if tr.tag != "tr":
        raise Unsupported(f"<{tr.tag}> where a row belongs")
    cells = []
    for cell in tr.elements():
        if cell.tag not in ("td", "th"):
            raise Unsupported(f"<{cell.tag}> in <tr>")
        classes = cell.classes
        if set(classes) - _CELL_CLASSES:
            raise Unsupported(f"<{cell.tag} class={' '.join(classes)!r}>")
        content = _inline(cell)
        span = int(cell.attrs.get("colspan") or 1)
        if not classes and span == 1 and len(content) <= 1 and all(
            isinstance(item, str) for item in content
        ):
            cells.append(content[0] if content else "")
            continue
        entry: dict = {"c": content}
        if classes:
            entry["k"] = classes
        if span != 1:
            entry["n"] = span
        cells.append(entry)
    return cells


@cache
def program() -> bytes:
    """The typst program that lays the data out."""
    return PROGRAM.read_bytes()


_local = threading.local()


def _compiler(fonts_dir: pathlib.Path):
    """This thread's typst compiler, with the fonts loaded once: GrantsCore from the cache
    and the folder of the system Noto Sans CJK SC; no other system font."""
    import typst

    regular = core_font_path(fonts_dir)
    core_font_path(fonts_dir, bold=True)
    key = (str(regular), str(find_system_font()))
    compiler = getattr(_local, "compiler", None)
    if compiler is None or _local.key != key:
        fonts = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=True,
            font_paths=[str(fonts_dir), str(find_system_font().parent)],
        )
        compiler = typst.Compiler(input=program(), font_paths=fonts, ignore_system_fonts=True)
        _local.compiler, _local.key = compiler, key
    return compiler


def engine_version() -> str:
    """What identifies this renderer's output, for the document cache key."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"typst-py {version('typst')}"
    except PackageNotFoundError:
        return "typst-py missing"


class TypstFailed(RuntimeError):
    """Typst could not lay the document out (its message says why)."""


def render(doc: dict, fonts_dir: pathlib.Path) -> bytes:
    """Lay the parsed document out with typst and return the PDF bytes (untagged, as
    WeasyPrint's are: tags would make a 1,000-row notice 1.6 MB instead of 0.2 MB).

    Typst memoises the layout of recent documents: about 75 MB for a 1,000-row notice, kept
    for its next ten compilations. So that a serving process does not keep that for ever, each
    document is laid out by a short script in a process of its own (``typst_child.py``, a few
    tenths of a second to start and load the fonts), unless :data:`ISOLATE` is false (a
    worker that lives for one batch, :mod:`grants.pdf.batch`).
    """
    data = {**doc, "fonts": {"core": FAMILY, "system": SYSTEM_FAMILY, "mono": MONO_FAMILY}}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if not ISOLATE:
        return _compiler(pathlib.Path(fonts_dir)).compile(
            input=program(), sys_inputs={"doc": payload}, pdf_tags=False)
    core_font_path(pathlib.Path(fonts_dir))
    core_font_path(pathlib.Path(fonts_dir), bold=True)
    command = [sys.executable, str(CHILD), str(PROGRAM), str(fonts_dir),
               str(find_system_font().parent)]
    try:
        done = subprocess.run(  # noqa: S603 — our own interpreter and script, fixed paths; the document goes in on stdin
            command, input=payload.encode(), capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise TypstFailed(f"typst could not run: {error}") from error
    if done.returncode != 0:
        raise TypstFailed(done.stderr.decode(errors="replace").strip()[-2000:])
    return done.stdout


ISOLATE = True
"""Lay each document out in a process of its own (see :func:`render`)."""
CHILD = pathlib.Path(__file__).with_name("typst_child.py")
CHILD_TIMEOUT_SECONDS = 300
