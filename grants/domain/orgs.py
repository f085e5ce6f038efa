"""Organisations: credit-code checks, masked bank accounts, bans and look-alike proposals.

A 统一社会信用代码 (USCC) is checked with ``stdnum.cn.uscc`` after folding case, full-width
characters, spaces and hyphens. Bank accounts are only ever shown with their last four digits.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from datetime import date
from typing import TypeVar

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from grants.domain.i18n import N_, msg, tr

USCC_LENGTH = 18
USCC_CHECKSUM_MESSAGE = N_("统一社会信用代码校验失败，请核对 18 位代码")
DUPLICATE_THRESHOLD = 0.8

K = TypeVar("K", bound=Hashable)


def normalise_uscc(code: str | None) -> str:
    """Fold a typed code to 18 upper-case characters: full-width, spaces and hyphens removed."""
    folded = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(char for char in folded if not char.isspace() and char != "-")


def check_uscc(code: str | None) -> str | None:
    """Say why a unified social credit code is invalid (naming the rule), else ``None``."""
    number = normalise_uscc(code)
    if not number:
        return msg("请填写 18 位统一社会信用代码")
    if len(number) != USCC_LENGTH:
        return msg(
            "统一社会信用代码应为 {length} 位（当前 {count} 位）",
            length=USCC_LENGTH,
            count=len(number),
        )
    try:
        uscc.validate(number)
    except InvalidChecksum:
        return tr(USCC_CHECKSUM_MESSAGE)
    except (InvalidFormat, InvalidLength):
        return msg("统一社会信用代码只能由数字和大写字母组成（不含 I、O、S、V、Z）")
    except ValidationError:
        return tr(USCC_CHECKSUM_MESSAGE)
    return None


def mask_account(account: str | None) -> str:
    """Show a bank account as ``**** **** **** 1234``: only the last four digits survive.

    The masked part is always three groups, so the display does not reveal the length either.
    Accounts of four characters or fewer are masked entirely.
    """
    folded = unicodedata.normalize("NFKC", account or "")
    digits = "".join(char for char in folded if not char.isspace() and char != "-")
    if not digits:
        return ""
    if len(digits) <= 4:
        return "****"
    return f"**** **** **** {digits[-4:]}"


def is_banned(
    bans: Iterable[tuple[str, date | None]], code: str, today: date
) -> tuple[bool, date | None]:
    """Whether the organisation ``code`` is barred from applying on ``today``, and until when.

    A ban applies up to and including its ``until`` date; ``None`` means permanent. With
    several bans the longest one wins, so the applicant is told the real end date.
    """
    wanted = normalise_uscc(code)
    active = [
        until
        for banned, until in bans
        if normalise_uscc(banned) == wanted and (until is None or until >= today)
    ]
    if not wanted or not active:
        return False, None
    if None in active:
        return True, None
    return True, max(until for until in active if until is not None)


def normalise_title(title: str) -> str:
    """Fold a title for comparison: NFKC, lower case, punctuation, symbols and spaces removed."""
    folded = unicodedata.normalize("NFKC", title or "").lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def similarity(a: str, b: str) -> float:
    """How alike two titles are, 0.0–1.0, after :func:`normalise_title` (difflib ratio)."""
    matcher = difflib.SequenceMatcher(None, normalise_title(a), normalise_title(b), autojunk=False)
    return matcher.ratio()


def likely_duplicates(
    titles: Mapping[K, str], threshold: float = DUPLICATE_THRESHOLD
) -> list[tuple[K, K, float]]:
    """Pairs of proposals in one round whose titles look alike, most similar first.

    Compares every pair (O(n²)), which is fine within a single round; call it per round.
    Cheap upper bounds from difflib skip pairs that cannot reach ``threshold``.
    """
    items = [(key, normalise_title(title)) for key, title in titles.items()]
    items = [(key, text) for key, text in items if text]
    pairs: list[tuple[K, K, float]] = []
    for index, (key_a, text_a) in enumerate(items):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(text_a)
        for key_b, text_b in items[index + 1 :]:
            matcher.set_seq1(text_b)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                pairs.append((key_a, key_b, round(ratio, 4)))
    return sorted(pairs, key=lambda pair: -pair[2])
