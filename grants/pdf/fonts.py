"""Locate Noto Sans CJK SC and keep the derived GrantsCore fonts in a cache directory."""

import fcntl
import hashlib
import pathlib
import subprocess
from functools import lru_cache
from typing import NamedTuple

from .builder import BUILDER_VERSION, FAMILY, build_core_font

SYSTEM_FAMILY = "Noto Sans CJK SC"
INSTALL_HINT = "apt-get install fonts-noto-cjk"


class FontMissing(RuntimeError):
    """Noto Sans CJK SC is not installed (or fontconfig cannot find it)."""


class _Face(NamedTuple):
    path: pathlib.Path
    index: int


@lru_cache(maxsize=2)
def _system_face(bold: bool) -> _Face:
    """Ask fontconfig for the Noto Sans CJK SC file and its face index in the collection."""
    style = "Bold" if bold else "Regular"
    pattern = f"{SYSTEM_FAMILY}:style={style}"
    try:
        out = subprocess.run(  # noqa: S603 — fixed argv, no shell; the pattern is our constant
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],  # noqa: S607 — fontconfig from PATH, as installed by the OS
            capture_output=True,
            check=True,
            text=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        hint = f"run `apt-get install fontconfig` and `{INSTALL_HINT}`"
        raise FontMissing(f"fontconfig (fc-match) failed: {exc}; {hint}") from exc
    file, index, families = (out.split("\n") + ["", "", ""])[:3]
    if SYSTEM_FAMILY not in families.split(",") or not file:
        raise FontMissing(f"{SYSTEM_FAMILY} {style} is not installed; run `{INSTALL_HINT}`")
    return _Face(pathlib.Path(file), int(index or 0))


def find_system_font(bold: bool = False) -> pathlib.Path:
    """Return the file holding Noto Sans CJK SC Regular (or Bold), found through fontconfig.

    Raises FontMissing, naming the apt-get command to run, when the font is
    absent: rendering without it would print boxes instead of Chinese.
    """
    return _system_face(bold).path


def _cache_name(face: _Face, bold: bool) -> str:
    """Name the cached core font after its source (path, face, mtime, size) and builder."""
    try:
        stat = face.path.stat()
    except FileNotFoundError as exc:
        _system_face.cache_clear()
        raise FontMissing(f"{face.path} has gone; run `{INSTALL_HINT}`") from exc
    key = f"{face.path}|{face.index}|{stat.st_mtime_ns}|{stat.st_size}|{BUILDER_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{FAMILY}-{'Bold' if bold else 'Regular'}-{digest}.ttf"


def core_font_path(cache_dir: pathlib.Path, bold: bool = False) -> pathlib.Path:
    """Return the cached GrantsCore TTF in `cache_dir`, building it first if needed.

    The build takes seconds, so it happens once per source font; a lock file
    keeps concurrent processes from building the same font twice, and the
    atomic write keeps readers from ever seeing a partial file.
    """
    face = _system_face(bold)
    cache_dir = pathlib.Path(cache_dir)
    path = cache_dir / _cache_name(face, bold)
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            build_core_font(face.path, face.index, path, bold)
    return path


def font_face_css(cache_dir: pathlib.Path) -> str:
    """Return @font-face rules declaring GrantsCore regular and bold from `cache_dir`.

    The file:// URLs point at the cached core fonts, so no network is needed.
    """
    rules = []
    for weight, bold in (("normal", False), ("bold", True)):
        url = core_font_path(cache_dir, bold).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
            f'font-style: normal; src: url("{url}"); }}'
        )
    return "\n".join(rules)
