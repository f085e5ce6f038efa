"""Fixtures for the PDF renderer tests: skip without Noto Sans CJK SC, build fonts once."""

import pathlib

import pytest

from grants.pdf import FontMissing, find_system_font, font_face_css


@pytest.fixture(scope="session", autouse=True)
def _noto_sans_cjk_sc() -> None:
    """Skip every test here when Noto Sans CJK SC is not installed: nothing can render."""
    try:
        find_system_font()
        find_system_font(bold=True)
    except FontMissing as exc:
        pytest.skip(f"Noto Sans CJK SC is not installed ({exc})")


@pytest.fixture(scope="session")
def fonts_dir(tmp_path_factory) -> pathlib.Path:
    """A font cache with GrantsCore regular and bold built once for the whole session."""
    path = tmp_path_factory.mktemp("pdf-fonts")
    font_face_css(path)
    return path


@pytest.fixture
def cache_dir(tmp_path, fonts_dir) -> pathlib.Path:
    """A fresh renderer cache directory whose fonts/ is the session's prebuilt font cache."""
    path = tmp_path / "pdf-cache"
    path.mkdir()
    (path / "fonts").symlink_to(fonts_dir, target_is_directory=True)
    return path
