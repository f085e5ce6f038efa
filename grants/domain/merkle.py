"""The RFC 6962 Merkle tree over the audit chain: tree hashes, inclusion and consistency proofs.

The log's leaves are the audit entries in ``seq`` order; leaf ``i`` (counted from 0) is entry
``seq = i + 1`` and its leaf data is the entry's 32-byte hash (the hex ``hash`` column decoded).
Hashing follows RFC 6962 §2.1 (the same tree Certificate Transparency and the C2SP transparency
logs use, so any of their verifiers can check our proofs)::

    MTH({})     = SHA-256()
    MTH({d})    = SHA-256(0x00 || d)
    MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = largest power of 2 < n

Proofs are generated as RFC 6962 §2.1.1 (PATH) and §2.1.2 (PROOF/SUBPROOF) define them and
verified with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. Generation asks a ``subtree``
function for the hash of a range of leaves, so a caller may read leaves from anywhere (a list,
a database) and remember the hashes of complete ranges (:class:`TiledTree`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, MutableMapping, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32

Subtree = Callable[[int, int], bytes]
"""``subtree(lo, hi)`` returns MTH(D[lo:hi]), the hash of leaves ``lo`` to ``hi - 1``."""


class ProofError(ValueError):
    """A proof cannot be made for these sizes, or does not prove what it claims."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """RFC 6962's split: the largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    if n < 2:
        raise ValueError("only a tree of two or more leaves is split")
    return 1 << ((n - 1).bit_length() - 1)


def root_of_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """MTH of leaves given by their leaf hashes, in one pass and O(log n) memory.

    Complete subtrees are merged as soon as two of equal size meet; at the end the remaining
    ones (largest first) are folded from the right, which is exactly RFC 6962's left-filled tree.
    """
    stack: list[tuple[int, bytes]] = []
    for digest in hashes:
        size = 1
        while stack and stack[-1][0] == size:
            digest = node_hash(stack.pop()[1], digest)
            size *= 2
        stack.append((size, digest))
    if not stack:
        return EMPTY_ROOT
    digest = stack.pop()[1]
    while stack:
        digest = node_hash(stack.pop()[1], digest)
    return digest


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf data (each leaf hashed with the 0x00 prefix first)."""
    return root_of_leaf_hashes(leaf_hash(leaf) for leaf in leaves)


def list_subtree(leaves: Sequence[bytes]) -> Subtree:
    """A ``subtree`` function over leaf data held in memory."""
    return lambda lo, hi: root_of(leaves[lo:hi])


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """RFC 6962 PATH(index, D[size]): the sibling hashes from leaf ``index`` up to the root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, subtree: Subtree) -> list[bytes]:
    """RFC 6962 PROOF(old_size, D[new_size]): what shows the old tree is a prefix of the new.

    Empty when either tree is empty or both are the same size (nothing to prove).
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(subtree(lo, hi))
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to from a leaf hash (RFC 9162 §2.1.3.2), or raise."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return digest


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``root``."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def check_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                      proof: Sequence[bytes]) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows the old tree is a prefix of the new.

    RFC 9162 §2.1.4.2 for 0 < old < new; an empty old tree is a prefix of every tree, and two
    trees of one size are consistent only when their roots are equal (both with an empty proof).
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"size {old_size} cannot be a prefix of size {new_size}")
    if old_size in (0, new_size):
        if proof:
            raise ProofError("this consistency proof should be empty")
        if old_size == new_size and old_root != new_root:
            raise ProofError("two trees of the same size have different roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_digest = new_digest = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            old_digest, new_digest = node_hash(node, old_digest), node_hash(node, new_digest)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_digest = node_hash(new_digest, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if old_digest != old_root:
        raise ProofError("the proof does not lead to the old root")
    if new_digest != new_root:
        raise ProofError("the proof does not lead to the new root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True when ``proof`` shows the tree of ``old_root`` is a prefix of that of ``new_root``."""
    try:
        check_consistency(old_size, new_size, old_root, new_root, proof)
    except ProofError:
        return False
    return True


class TiledTree:
    """Range hashes of a log whose leaf data is read by range, remembering complete tiles.

    A tile is an aligned run of ``tile_size`` leaves (a power of two); every range a proof asks
    for is a node of the RFC 6962 tree, so it is either inside one tile (read its leaves) or a
    row of whole tiles plus one partial tile. Complete tiles never change in an append-only log,
    so their hashes are kept in ``tiles`` (tile number → hash) and each is read once.
    ``fetch(lo, hi)`` must return the data of leaves ``lo`` to ``hi - 1``.
    """

    def __init__(self, fetch: Callable[[int, int], Sequence[bytes]],
                 tiles: MutableMapping[int, bytes] | None = None, tile_size: int = 256) -> None:
        if tile_size < 1 or tile_size & (tile_size - 1):
            raise ValueError("tile_size must be a power of two")
        self.fetch, self.tile_size = fetch, tile_size
        self.tiles = {} if tiles is None else tiles

    def __call__(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi])."""
        if hi - lo <= self.tile_size:
            if hi - lo == self.tile_size and lo % self.tile_size == 0:
                return self._tile(lo // self.tile_size)
            return root_of(self._leaves(lo, hi))
        k = split_point(hi - lo)
        return node_hash(self(lo, lo + k), self(lo + k, hi))

    def _tile(self, number: int) -> bytes:
        """The hash of complete tile ``number``, read and hashed the first time only."""
        digest = self.tiles.get(number)
        if digest is None:
            lo = number * self.tile_size
            digest = root_of(self._leaves(lo, lo + self.tile_size))
            self.tiles[number] = digest
        return digest

    def _leaves(self, lo: int, hi: int) -> Sequence[bytes]:
        """The data of leaves ``lo`` to ``hi - 1``; a short read means the log has a gap."""
        leaves = self.fetch(lo, hi)
        if len(leaves) != hi - lo:
            raise ProofError(f"leaves {lo} to {hi - 1} are not all in the log")
        return leaves

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves."""
        return self(0, size) if size else EMPTY_ROOT
