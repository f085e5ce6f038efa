"""Locating Noto Sans CJK SC and building the cached GrantsCore font."""

import ast
import pathlib
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fontTools.ttLib import TTFont

import grants.pdf
from grants.pdf import FontMissing, core_font_path, find_system_font, font_face_css
from grants.pdf import fonts as fonts_module


def test_find_system_font_returns_the_collection():
    assert find_system_font().exists()
    assert find_system_font(bold=True).exists()
    assert find_system_font() != find_system_font(bold=True)


def test_missing_font_names_the_apt_get_command(monkeypatch):
    fallback = subprocess.CompletedProcess([], 0, stdout="/x/DejaVuSans.ttf\n0\nDejaVu Sans")
    monkeypatch.setattr(fonts_module.subprocess, "run", lambda *a, **k: fallback)
    fonts_module._system_face.cache_clear()
    try:
        with pytest.raises(FontMissing, match="apt-get install fonts-noto-cjk"):
            find_system_font()
    finally:
        fonts_module._system_face.cache_clear()
    assert issubclass(FontMissing, RuntimeError)


def test_core_font_is_built_only_once(fonts_dir, monkeypatch):
    path = core_font_path(fonts_dir)
    mtime = path.stat().st_mtime_ns

    def no_rebuild(*args):
        raise AssertionError("the core font was rebuilt")

    monkeypatch.setattr(fonts_module, "build_core_font", no_rebuild)
    assert core_font_path(fonts_dir) == path
    font_face_css(fonts_dir)
    assert path.stat().st_mtime_ns == mtime
    assert not list(fonts_dir.glob("*.tmp"))


@pytest.mark.parametrize("bold", [False, True])
def test_core_font_is_small_truetype_named_grantscore(fonts_dir, bold):
    path = core_font_path(fonts_dir, bold=bold)
    font = TTFont(path)
    cmap = font.getBestCmap()
    assert "glyf" in font and "CFF " not in font
    assert font["name"].getDebugName(1) == "GrantsCore"
    assert all(ord(c) in cmap for c in "第七届公益创投¥，。（）ａ１")
    assert 0x4DAE not in cmap
    assert path.stat().st_size < 3_000_000
    assert (font["OS/2"].usWeightClass >= 700) == bold


def test_font_face_css_declares_both_weights(fonts_dir):
    css = font_face_css(fonts_dir)
    assert css.count("@font-face") == 2
    assert "font-weight: bold" in css and "font-weight: normal" in css
    for bold in (False, True):
        assert core_font_path(fonts_dir, bold).resolve().as_uri() in css


def test_pdf_modules_do_not_import_flask():
    for path in pathlib.Path(grants.pdf.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0].startswith("flask") for n in names), path.name


def test_concurrent_first_use_builds_once(tmp_path, monkeypatch):
    calls = []

    def fake_build(source, index, dest, bold):
        calls.append(dest)
        time.sleep(0.2)
        dest.write_bytes(b"font")

    monkeypatch.setattr(fonts_module, "build_core_font", fake_build)
    with ThreadPoolExecutor(max_workers=4) as pool:
        paths = set(pool.map(lambda _: core_font_path(tmp_path / "fonts"), range(4)))
    assert len(paths) == 1 and len(calls) == 1
