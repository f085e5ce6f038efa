"""The look-alike shortlist finds every title difflib would call alike, and far fewer others."""

from __future__ import annotations

import difflib
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain.lookalike import length_range, most_unmatched, probe_characters
from grants.domain.orgs import DUPLICATE_THRESHOLD

ALPHABET = "社区助老服务邻里文化环保楼道志愿儿童关爱读书会花园"


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _shortlist(subject: str, titles: list[str]) -> set[int]:
    """Titles that pass both filters, as the database query applies them."""
    frequency = Counter(char for title in titles for char in set(title))
    probe = set(probe_characters(subject, frequency))
    lo, hi = length_range(len(subject))
    return {i for i, title in enumerate(titles) if lo <= len(title) <= hi and probe & set(title)}


@pytest.mark.parametrize(("length", "expected"), [(10, (7, 15)), (5, (4, 7)), (1, (1, 1))])
def test_length_range(length, expected):
    assert length_range(length) == expected


def test_most_unmatched_for_ten_characters():
    assert most_unmatched(10) == 3
    assert most_unmatched(0) == 0


def test_probe_covers_one_more_position_than_can_go_unmatched():
    subject = "社区助老服务项目"
    probe = probe_characters(subject, {"社": 90, "区": 90, "助": 50, "老": 40, "服": 80,
                                       "务": 80, "项": 99, "目": 99})
    assert probe[:2] == ["老", "助"]
    assert sum(subject.count(c) for c in probe) == most_unmatched(len(subject)) + 1


titles = st.text(alphabet=ALPHABET, min_size=1, max_size=14)


@settings(max_examples=150, deadline=None)
@given(subject=titles, others=st.lists(titles, min_size=1, max_size=25))
def test_no_alike_title_is_missed(subject, others):
    shortlist = _shortlist(subject, others)
    for index, title in enumerate(others):
        if _ratio(subject, title) >= DUPLICATE_THRESHOLD:
            assert index in shortlist, (subject, title, _ratio(subject, title))


def test_edited_titles_are_found_and_most_others_are_not():
    """2,000 titles of four two-character words drawn from 300 (a district's vocabulary), one
    of them edited by a character: the shortlist keeps it and drops most of the rest."""
    rng = random.Random(7)
    chars = [chr(0x4E00 + rng.randrange(3000)) for _ in range(600)]
    words = ["".join(chars[2 * i:2 * i + 2]) for i in range(300)]
    others = ["".join(rng.sample(words, rng.randint(3, 6))) for _ in range(2000)]
    subject = others[0][:-1] + "一"
    alike = [i for i, t in enumerate(others) if _ratio(subject, t) >= DUPLICATE_THRESHOLD]
    shortlist = _shortlist(subject, others)
    assert 0 in alike and set(alike) <= shortlist
    assert len(shortlist) < len(others) // 10
