"""Beneficiary lists (受益人名单) for the satisfaction follow-up: reading, checking, masking.

A grantee uploads who its project served — name, phone, community, service received — as a
table (the service layer turns an XLSX or CSV file into rows of text; this module needs no
file library). :func:`parse_table` finds the four columns by their headers, checks every row and
returns either the clean rows or one problem per bad row, each in Chinese naming the
spreadsheet row ("第 5 行：…"), so the grantee can fix the file and nothing half-imported stays.

Phones are normalised before they are checked: full-width digits and punctuation (１３８…,
－, （）) become ASCII through NFKC, spaces, hyphens and brackets go, a ``+86``/``0086`` in
front of a mobile number goes. A mobile number is 11 digits starting 13–19; a fixed line is
written with its area code (0 + 2–3 digits, then 7–8 digits). A problem never repeats the
number typed (error messages are pages too, and numbers appear only to their caller).

:func:`mask_phone` is how a number reads on every page and export but the caller's own list:
``138****5678``. :func:`canonical_rows` and :func:`list_hash` define the list's fingerprint
(see ``docs/sampling.md``): the rows in canonical form, sorted, hashed with sha256.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from grants.domain.audit import canonical_json
from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.inputs import is_digits

MAX_ROWS = 2000
"""Beneficiaries one list may hold (a micro-project serves hundreds, not tens of thousands)."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest list file accepted: 2 MB holds far more than :data:`MAX_ROWS` rows."""
MAX_PROBLEMS = 50
"""Row problems listed in one refusal; the count of the rest is given."""
FIELD_LIMITS = {"name": 30, "community": 30, "service": 100}
"""The longest name, community and service text, in characters."""
FIELDS: tuple[str, ...] = ("name", "phone", "community", "service")
FIELD_LABELS: dict[str, str] = {
    "name": N_("姓名"), "phone": N_("电话"), "community": N_("社区"), "service": N_("服务内容"),
}
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "受益人姓名", "名字", "name"),
    "phone": ("电话", "联系电话", "电话号码", "手机", "手机号", "手机号码", "phone"),
    "community": ("社区", "所在社区", "所属社区", "community"),
    "service": ("服务内容", "接受服务", "所接受服务", "服务项目", "service received", "service"),
}
"""The header texts each column is recognised by (compared after NFKC, spaces folded)."""

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_SEPARATORS = re.compile(r"[\s\-–—()（）.·]")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?e\+?\d+", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\d{7,}")
"""Seven or more digits in a row, full-width ones too (``\\d`` is every Unicode digit)."""
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Beneficiary:
    """One checked row: text in canonical form (NFKC, spaces folded), phone digits only."""

    name: str
    phone: str
    community: str
    service: str

    def canonical(self) -> dict[str, str]:
        """The row as the list hash reads it: the four fields by name."""
        return asdict(self)


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one spreadsheet row (``row`` counts the header as row 1)."""

    row: int
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ParsedList:
    """The outcome of reading a table: the rows, or the problems (never both)."""

    rows: tuple[Beneficiary, ...]
    problems: tuple[RowProblem, ...]
    header_problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every row was good and there was at least one."""
        return not self.problems and self.header_problem is None and bool(self.rows)


def clean_text(value: object) -> str:
    """A cell as canonical text: NFKC (full-width letters and digits become ASCII), every run
    of white space one space, trimmed. ``None`` is empty."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def normalise_phone(value: object) -> str:
    """The digits of a phone as typed: NFKC first (１３８ → 138), then spaces, hyphens,
    brackets and dots dropped, and a ``+86``/``0086``/``86`` before a mobile number removed.
    What remains is returned even when it is not a valid number (see :func:`phone_problem`)."""
    text = _SEPARATORS.sub("", clean_text(value))
    for prefix in ("+86", "0086", "86"):
        rest = text[len(prefix):]
        if text.startswith(prefix) and _MOBILE.fullmatch(rest):
            return rest
    return text


def phone_problem(value: object) -> str | None:
    """Why a phone cell is not a number we can call, or None when it is (never echoing it)."""
    raw = clean_text(value)
    if not raw:
        return msg("缺少电话")
    if _SCIENTIFIC.fullmatch(raw):
        return msg("电话被表格软件改成了科学计数法，请把电话列设为“文本”格式后重新导出")
    digits = normalise_phone(raw)
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return None
    if is_digits(digits) and len(digits) in (7, 8) and digits[0] not in "01":
        return msg("固定电话请带区号（如 025-52123456）")
    return msg("电话应为 11 位手机号（1 开头），或带区号的固定电话（如 025-52123456）")


def mask_phone(phone: str) -> str:
    """A number as it reads outside the caller's own list: the first three and last four
    digits, the middle hidden (``138****5678``); an erased number reads as empty."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_numbers_in(text: str) -> str:
    """Free text (a caller's notes) with every run of seven or more digits masked like a
    phone, so a number typed into a note does not leak onto other people's pages."""
    return _DIGIT_RUN.sub(
        lambda found: mask_phone(unicodedata.normalize("NFKC", found.group())), text or "")


def _header_key(cell: object) -> str:
    """A header cell as compared with :data:`HEADER_NAMES` (NFKC, lower case, one space)."""
    return clean_text(cell).lower()


def column_positions(header: Sequence[object]) -> tuple[dict[str, int], str | None]:
    """Which column holds each field, and the problem when a column is missing or repeated."""
    keys = [_header_key(cell) for cell in header]
    positions: dict[str, int] = {}
    for field, names in HEADER_NAMES.items():
        found = [index for index, key in enumerate(keys) if key in names]
        if len(found) > 1:
            return {}, msg("第 1 行表头中“{label}”列出现了 {count} 次，请只保留一列",
                           label=tr(FIELD_LABELS[field]), count=len(found))
        if found:
            positions[field] = found[0]
    missing = [tr(FIELD_LABELS[field]) for field in FIELDS if field not in positions]
    if missing:
        return {}, msg("第 1 行应为表头：姓名、电话、社区、服务内容（缺少：{missing}）",
                       missing=join_list(missing))
    return positions, None


def _cell(row: Sequence[object], index: int) -> object:
    """The cell at ``index``, None past the end of a short row."""
    return row[index] if index < len(row) else None


def _has_control(text: str) -> bool:
    """True when text holds a control character (NUL and the like)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _text_problem(field: str, value: str) -> str | None:
    """What is wrong with a name, community or service, or None."""
    label, limit = tr(FIELD_LABELS[field]), FIELD_LIMITS[field]
    if not value:
        return msg("缺少{label}", label=label)
    if len(value) > limit:
        return msg("{label}不能超过 {limit} 个字", label=label, limit=limit)
    if _has_control(value):
        return msg("{label}含有控制字符", label=label)
    return None


def check_row(row: Sequence[object], positions: dict[str, int]) -> tuple[Beneficiary | None,
                                                                         list[str]]:
    """One data row read through the column positions: the clean row, or what is wrong with
    it, field by field in column order (name, phone, community, service)."""
    values = {field: clean_text(_cell(row, positions[field])) for field in FIELDS}
    found = {field: _text_problem(field, values[field]) for field in FIELD_LIMITS}
    found["phone"] = phone_problem(_cell(row, positions["phone"]))
    problems = [found[field] for field in FIELDS if found[field]]
    if problems:
        return None, problems
    phone = normalise_phone(values["phone"])
    return Beneficiary(values["name"], phone, values["community"], values["service"]), []


def _blank(row: Sequence[object]) -> bool:
    """True for a row with nothing in any cell (skipped, as spreadsheets leave them)."""
    return all(not clean_text(cell) for cell in row)


def row_problem(row_number: int, problems: Iterable[str]) -> RowProblem:
    """One row's problems joined into one message that names the row."""
    return RowProblem(row_number, msg("第 {row} 行：{problems}", row=row_number,
                                      problems=tr(N_("；")).join(problems)))


def parse_table(table: Iterable[Sequence[object]]) -> ParsedList:
    """Read a table whose first row is the header: every row checked, a phone repeated in
    the list refused on the later row (each number is one person to call).

    Blank rows are skipped; more than :data:`MAX_ROWS` data rows is a problem of the whole
    list (reading stops there, so a huge file costs nothing more).
    """
    rows = iter(table)
    header = next(rows, None)
    if header is None:
        return ParsedList((), (), msg("文件是空的：第 1 行应为表头（姓名、电话、社区、服务内容）"))
    positions, header_problem = column_positions(header)
    if header_problem:
        return ParsedList((), (), header_problem)
    good: list[Beneficiary] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    count = 0
    for number, row in enumerate(rows, start=2):
        if _blank(row):
            continue
        count += 1
        if count > MAX_ROWS:
            return ParsedList((), (), msg("名单最多 {limit} 行（第 {row} 行已超出），请分开上传或"
                                          "删去重复的人", limit=MAX_ROWS, row=number))
        person, issues = check_row(row, positions)
        if person is not None and person.phone in seen:
            issues = [msg("电话与第 {first} 行重复（每个号码只登记一位受益人）",
                          first=seen[person.phone])]
        if issues:
            problems.append(row_problem(number, issues))
            continue
        seen[person.phone] = number
        good.append(person)
    if not good and not problems:
        return ParsedList((), (), msg("名单里没有受益人：表头下面至少要有一行"))
    return ParsedList(tuple(good) if not problems else (), tuple(problems))


def canonical_rows(rows: Iterable[Beneficiary]) -> list[dict[str, str]]:
    """The list in canonical order: each row as ``{"community","name","phone","service"}``,
    sorted by the row's canonical JSON text (code-point order, the same as UTF-8 byte order).
    A row's position in this order is its index in the draw (see ``docs/sampling.md``)."""
    return sorted((row.canonical() for row in rows), key=canonical_json)


def list_hash(rows: Iterable[Beneficiary]) -> str:
    """The list's fingerprint: hex sha256 of the UTF-8 bytes of
    ``canonical_json({"rows": canonical_rows(rows)})`` (sorted keys, no spaces, no escapes)."""
    text = canonical_json({"rows": canonical_rows(rows)})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary_problem(count: int) -> str:
    """The refusal's headline when rows are wrong: nothing was imported."""
    return msg("名单有 {count} 行需要修改，未导入任何数据。请按下列提示修改后重新上传", count=count)
