"""The English catalogue is complete and every page template sends its Chinese text through it.

Simplified Chinese strings are the msgids. These checks keep the English interface whole: every
msgid has a reviewed English text with the same placeholders, and no template outside the
Chinese-only documents (``templates/pdf/``) shows Chinese that bypasses ``_()``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "grants" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
POT_FILE = ROOT / "grants" / "translations" / "messages.pot"
TEMPLATES = ROOT / "templates"
CHINESE_ONLY = TEMPLATES / "pdf"

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
BRACE_PLACEHOLDER = re.compile(r"\{(\w*)\}")
TRANSLATED_LITERAL = re.compile(r"""\b_l?\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _messages(path: Path) -> list:
    return [message for message in _catalog(path) if message.id]


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    """``%(name)s`` / ``%%`` of Babel-formatted strings and ``{name}`` of ``msg()`` templates."""
    return sorted(PERCENT_PLACEHOLDER.findall(text)), sorted(BRACE_PLACEHOLDER.findall(text))


def test_every_message_has_a_reviewed_english_text():
    messages = _messages(PO_FILE)
    assert len(messages) > 900
    missing = [m.id for m in messages if not (m.string or "").strip()]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert missing == []
    assert fuzzy == []


def test_english_texts_keep_the_placeholders_of_the_chinese():
    wrong = [
        (m.id, m.string)
        for m in _messages(PO_FILE)
        if _placeholders(m.id) != _placeholders(m.string)
    ]
    assert wrong == []


class _Blank(dict):
    """A mapping with a value for every name, to try a text as a format string."""

    def __missing__(self, key: str) -> str:
        return "x"


def _formats(text: str, style: str) -> bool:
    """True when ``text`` survives the formatting its msgid goes through."""
    try:
        if style == "percent":
            text % _Blank()
        else:
            text.format_map(_Blank())
    except (ValueError, TypeError, KeyError, IndexError):
        return False
    return True


def _styles(message) -> list[str]:
    """Jinja's ``_()`` always %-formats; Python ``_()`` with variables too; ``msg()`` formats
    with ``str.format``. A msgid that survives a style must survive it in English too."""
    return [style for style in ("percent", "brace") if _formats(message.id, style)]


def test_english_texts_survive_the_same_formatting():
    broken = [
        (m.id, m.string, style)
        for m in _messages(PO_FILE)
        for style in _styles(m)
        if not _formats(m.string, style)
    ]
    assert broken == []


def test_english_texts_contain_no_chinese():
    leftover = [(m.id, m.string) for m in _messages(PO_FILE) if CJK.search(m.string)]
    assert leftover == []


def test_catalogue_covers_the_extracted_template():
    extracted = {m.id for m in _messages(POT_FILE)}
    translated = {m.id for m in _messages(PO_FILE)}
    assert extracted - translated == set()


def _untranslated_chinese(path: Path, root: Path = ROOT) -> list[str]:
    """Lines of a template that still show Chinese once comments and ``_('…')`` are removed."""
    text = TRANSLATED_LITERAL.sub("_(", COMMENT.sub("", path.read_text("utf-8")))
    return [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if CJK.search(line)
    ]


def _page_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if CHINESE_ONLY not in p.parents)


@pytest.mark.parametrize("path", _page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_page_templates_send_all_chinese_through_translation(path):
    assert _untranslated_chinese(path) == []


def test_the_scan_notices_raw_chinese(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        "{# 注释 #}<h1>{{ _('标题') }}</h1>{{ _(\"说明：%(n)s\", n=1) }}\n<p>忘了翻译</p>\n",
        "utf-8",
    )
    found = [line.split(": ", 1)[1] for line in _untranslated_chinese(sample, tmp_path)]
    assert found == ["<p>忘了翻译</p>"]
