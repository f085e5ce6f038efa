"""Warm the document renderer before anyone waits for it: build the core fonts, load WeasyPrint.

Building GrantsCore from Noto Sans CJK SC takes tens of seconds and importing WeasyPrint about a
second; both used to happen on the first PDF a visitor asked for. :func:`warm` does them ahead:
set-up runs it through ``flask pdf warm`` (so the fonts are on disk), and a serving process runs
it once in a background thread as it starts (so the libraries are loaded). Nothing here depends
on Flask: callers pass the cache directory.
"""

from __future__ import annotations

import pathlib
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from .fonts import core_font_path

SAMPLE_HTML = (
    "<html><body><h1>公益创投微项目立项公示</h1><p><strong>东山街道</strong>"
    "第七届 ¥12,345.00 2026年12月2日</p><table><tr><th>项目</th><td>银龄互助</td></tr>"
    "</table></body></html>"
)
_warmed_lock = threading.Lock()
_warmed: set[str] = set()


class Warmed(NamedTuple):
    """What a warm-up did: the font files, whether they had to be built, and how long it took."""

    fonts: tuple[pathlib.Path, ...]
    built: bool
    seconds: float


def warm(cache_dir: pathlib.Path) -> Warmed:
    """Build the core fonts in ``cache_dir/fonts`` if missing, then render a small document
    (uncached) so WeasyPrint, Pango and fontconfig are loaded in this process."""
    from .render import html_to_pdf

    start = time.perf_counter()
    fonts_dir = pathlib.Path(cache_dir) / "fonts"
    missing = not any(fonts_dir.glob("*.ttf"))
    fonts = tuple(core_font_path(fonts_dir, bold) for bold in (False, True))
    html_to_pdf(SAMPLE_HTML, pathlib.Path(cache_dir), use_cache=False)
    return Warmed(fonts, missing, time.perf_counter() - start)


def warm_once_in_background(
    cache_dir: pathlib.Path, then: Callable[[], None] | None = None
) -> threading.Thread | None:
    """Start :func:`warm` (and then ``then``, e.g. laying out a real document) in a daemon
    thread, once per process and cache directory; errors are left for the first document to
    report (a missing font names the package to install)."""
    key = str(pathlib.Path(cache_dir).resolve())
    with _warmed_lock:
        if key in _warmed:
            return None
        _warmed.add(key)
    thread = threading.Thread(
        target=_quietly, args=(cache_dir, then), name="pdf-warm", daemon=True
    )
    thread.start()
    return thread


def _quietly(cache_dir: pathlib.Path, then: Callable[[], None] | None) -> None:
    """Warm, ignoring failures: a request that needs a PDF will raise the real error."""
    try:
        warm(cache_dir)
        if then is not None:
            then()
    except Exception:  # noqa: BLE001 - the warm-up is an optimisation, never a failure
        return
