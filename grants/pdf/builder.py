"""Derive the small TrueType "GrantsCore" font from Noto Sans CJK SC.

WeasyPrint embeds a subset of every font a document uses. Subsetting the
20 MB CFF-flavoured Noto Sans CJK SC collection costs far more than laying out
a one-page notice, so we cut it down once to the characters notices are made
of and store the result with TrueType (glyf) outlines, which are cheap to
subset again for each document.
"""

import os
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from .charset import core_codepoints

#: Bump when the build changes, so cached fonts from older builds are not reused.
BUILDER_VERSION = "1"
FAMILY = "GrantsCore"

#: Cubic-to-quadratic tolerance in font units (1000 per em): invisible in print.
_MAX_ERR = 1.0
#: Features we do not keep: vertical writing, and the JP/KR/TC local forms.
_DROPPED_FEATURES = {"locl", "vert", "vrt2", "valt", "vhal", "vkrn", "vpal", "vchw"}
_RENAMED_IDS = (1, 2, 3, 4, 6, 16, 17, 21, 22)
_MAXP_ZEROES = (
    "maxTwilightPoints",
    "maxStorage",
    "maxFunctionDefs",
    "maxInstructionDefs",
    "maxStackElements",
    "maxSizeOfInstructions",
    "maxComponentElements",
)


def build_core_font(source: Path, index: int, dest: Path, bold: bool) -> None:
    """Build the core font from face `index` of `source` and write it atomically to `dest`.

    The font is written to a temporary file in the same directory, then
    renamed, so a reader never sees a half-written file even when two
    processes build at once.
    """
    font = TTFont(source, fontNumber=index)
    _subset(font)
    _cff_to_glyf(font)
    _rename(font, bold)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            font.save(out)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _subset(font: TTFont) -> None:
    """Keep only the core characters and the horizontal layout features they use."""
    options = subset.Options()
    options.layout_features = [f for f in options.layout_features if f not in _DROPPED_FEATURES]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=core_codepoints())
    subsetter.subset(font)


def _cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF outlines with quadratic TrueType ones (as fontTools' otf2ttf does)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, _MAX_ERR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    glyf.compile(font)
    _fix_metrics(font, glyf)
    font.sfntVersion = "\x00\x01\x00\x00"


def _fix_metrics(font: TTFont, glyf) -> None:
    """Align hmtx, maxp, post and head with the new glyf table."""
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in _MAXP_ZEROES:
        setattr(maxp, field, 0)
    maxp.compile(font)
    font["post"].formatType = 3.0
    font["head"].glyphDataFormat = 0


def _rename(font: TTFont, bold: bool) -> None:
    """Name the font GrantsCore, so fontconfig never mistakes it for the full system font."""
    style = "Bold" if bold else "Regular"
    name = font["name"]
    for name_id in _RENAMED_IDS:
        name.removeNames(nameID=name_id)
    names = {
        1: FAMILY,
        2: style,
        3: f"{FAMILY}-{style}-{BUILDER_VERSION}",
        4: f"{FAMILY} {style}",
        6: f"{FAMILY}-{style}",
    }
    for name_id, value in names.items():
        name.setName(value, name_id, 3, 1, 0x409)
