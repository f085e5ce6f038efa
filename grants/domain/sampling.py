"""The reproducible follow-up sample: who is called, drawn so that anyone can draw it again.

The algorithm (``sha256-rank-v1``, written out for other implementers in ``docs/sampling.md``):

1. A **seed** of 32 random bytes is drawn with :mod:`secrets` and written, as 64 lowercase hex
   characters, into the audit entry of the draw — in the same transaction that stores the
   sample, so it is on the chain before any call can be recorded.
2. The sample is **stratified by project**: each project's beneficiary list is one stratum,
   known by its list hash (:func:`grants.domain.beneficiaries.list_hash`) and its size ``n``;
   the rows are numbered ``0 … n-1`` in the list's canonical order.
3. Within a stratum every row ``i`` gets the key
   ``sha256(ascii(seed + ":" + list_hash + ":" + decimal(i)))`` as hex text; the rows are
   ordered by key (then by ``i``, which never matters in practice), and the first
   ``min(quota, n)`` are the sample, in that order (the order callers work through).

Nothing depends on a language's random-number generator, so a few lines in any language
redraw the same positions from the seed, each list's hash and its size (all in the audit
entry); whoever holds a list checks its hash and reads off the people.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALGORITHM = "sha256-rank-v1"
"""The name of the algorithm above, stored with each sample and its audit entry."""
SEED_BYTES = 32
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Stratum:
    """One project's list as the draw sees it: whose it is, its hash and how many rows."""

    award_id: int
    list_hash: str
    size: int


def new_seed() -> str:
    """A fresh seed: :data:`SEED_BYTES` bytes from the operating system's CSPRNG, as hex."""
    return secrets.token_hex(SEED_BYTES)


def check_hex64(value: str, what: str = "seed") -> str:
    """``value`` when it is 64 lowercase hex characters; otherwise a ``ValueError``."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError(f"{what} must be 64 lowercase hex characters")
    return value


def rank_key(seed: str, list_hash: str, index: int) -> str:
    """The key that orders row ``index`` of a list in the draw (hex sha256)."""
    return hashlib.sha256(f"{seed}:{list_hash}:{index}".encode("ascii")).hexdigest()


def draw_positions(seed: str, list_hash: str, size: int, quota: int) -> list[int]:
    """The rows of one stratum that are called, in calling order: the ``min(quota, size)``
    row indexes with the smallest keys."""
    check_hex64(seed)
    check_hex64(list_hash, "list_hash")
    if size < 0 or quota < 0:
        raise ValueError("size and quota must not be negative")
    order = sorted(range(size), key=lambda index: (rank_key(seed, list_hash, index), index))
    return order[:min(quota, size)]


def draw_sample(seed: str, strata: Iterable[Stratum], quota: int) -> dict[int, list[int]]:
    """The whole sample: for each stratum (by award id) the positions drawn, ``quota`` per
    project (or the whole list when it is shorter)."""
    return {stratum.award_id: draw_positions(seed, stratum.list_hash, stratum.size, quota)
            for stratum in strata}


def same_draw(seed: str, strata: Iterable[Stratum], quota: int,
              drawn: Mapping[int, list[int]]) -> bool:
    """True when drawing again from the seed gives exactly the stored positions."""
    return draw_sample(seed, strata, quota) == {key: list(value) for key, value in drawn.items()}
