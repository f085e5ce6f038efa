"""A shortlist for the look-alike title check that never compares one title with every other.

The check itself is difflib's ratio ≥ ``DUPLICATE_THRESHOLD`` over normalised titles
(:func:`grants.domain.orgs.normalise_title`). Two bounds let an index of title characters find
every title that could pass it, without false negatives (prefix filtering, as in similarity
joins):

- **length**: ratio = 2M / (a + b) with M ≤ min(a, b), so a title of length ``b`` can pass
  only when ``a·t / (2 − t) ≤ b ≤ a·(2 − t) / t``;
- **characters**: M ≥ t·(a + b) / 2 ≥ t·(a + b_min) / 2, so at most ``a − ⌈t·(a + b_min)/2⌉``
  of the subject's characters go unmatched. Any set of the subject's characters covering one
  more position than that must contain a character the other title shares. The rarest such
  characters make the shortest list.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction

from grants.domain.orgs import DUPLICATE_THRESHOLD


def _threshold(threshold: float) -> Fraction:
    return Fraction(str(threshold))


def length_range(length: int, threshold: float = DUPLICATE_THRESHOLD) -> tuple[int, int]:
    """The lengths a title may have and still be ``threshold``-alike to one of ``length``."""
    t = _threshold(threshold)
    return math.ceil(length * t / (2 - t)), math.floor(length * (2 - t) / t)


def most_unmatched(length: int, threshold: float = DUPLICATE_THRESHOLD) -> int:
    """How many of a title's characters can go unmatched in a ``threshold``-alike pair."""
    t = _threshold(threshold)
    shortest, _longest = length_range(length, threshold)
    return max(0, length - math.ceil(t * (length + shortest) / 2))


def probe_characters(
    subject: str, frequency: Mapping[str, int], threshold: float = DUPLICATE_THRESHOLD
) -> list[str]:
    """The rarest distinct characters of ``subject`` (by ``frequency`` among the titles
    compared) that cover one position more than can go unmatched: every alike title contains
    at least one of them. Empty for an empty subject."""
    if not subject:
        return []
    counts = Counter(subject)
    needed = most_unmatched(len(subject), threshold) + 1
    chosen, covered = [], 0
    for char in sorted(counts, key=lambda c: (frequency.get(c, 0), c)):
        chosen.append(char)
        covered += counts[char]
        if covered >= needed:
            break
    return chosen
