"""The RFC 6962 Merkle tree: Certificate Transparency's published vectors, an independent
textbook implementation to compare every small tree with, and properties over random logs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain import merkle

# The Certificate Transparency reference leaves and tree heads (RFC 6962 test data, as published
# with the CT and transparency-dev/merkle implementations).
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]


def _hashes(*hexes):
    return [bytes.fromhex(h) for h in hexes]


CT_INCLUSION = [
    (0, 8, _hashes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                   "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                   "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, _hashes("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                   "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (0, 1, []),
]
CT_CONSISTENCY = [
    (1, 8, _hashes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                   "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                   "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (2, 8, _hashes("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                   "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _hashes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                   "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _hashes("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                   "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]


# --- an independent implementation, written straight from RFC 6962 §2.1 -------------------


def _mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(data[:k]) + _mth(data[k:])).digest()


def _path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return _path(m, data[:k]) + [_mth(data[k:])]
    return _path(m - k, data[k:]) + [_mth(data[:k])]


def _subproof(m: int, data: list[bytes], whole: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if whole else [_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return _subproof(m, data[:k], whole) + [_mth(data[k:])]
    return _subproof(m - k, data[k:], False) + [_mth(data[:k])]


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


# --- the published vectors ----------------------------------------------------------------


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_roots_match_the_ct_reference_tree_heads(size):
    assert merkle.root_of(CT_LEAVES[:size]) == CT_ROOTS[size]
    tree = merkle.TiledTree(lambda lo, hi: CT_LEAVES[lo:hi], tile_size=2)
    assert tree.root(size) == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION,
                         ids=[f"leaf{i}-of-{n}" for i, n, _ in CT_INCLUSION])
def test_inclusion_proofs_match_the_ct_vectors_and_verify(index, size, path):
    subtree = merkle.list_subtree(CT_LEAVES[:size])
    assert merkle.inclusion_proof(index, size, subtree) == path
    leaf = merkle.leaf_hash(CT_LEAVES[index])
    assert merkle.verify_inclusion(index, size, leaf, path, CT_ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY,
                         ids=[f"{m}-to-{n}" for m, n, _ in CT_CONSISTENCY])
def test_consistency_proofs_match_the_ct_vectors_and_verify(old, new, proof):
    assert merkle.consistency_proof(old, new, merkle.list_subtree(CT_LEAVES[:new])) == proof
    assert merkle.verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], proof)
    assert not merkle.verify_consistency(old, new, CT_ROOTS[old - 1], CT_ROOTS[new], proof)
    assert not merkle.verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new - 1], proof)


@pytest.mark.parametrize(("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8),
                                      (1000, 512), (2**40 + 1, 2**40)])
def test_the_split_is_the_largest_power_of_two_below_n(n, k):
    assert merkle.split_point(n) == k


# --- every small tree against the textbook implementation ---------------------------------


SIZES = range(1, 34)


@pytest.mark.parametrize("size", SIZES)
def test_every_proof_of_a_small_tree_agrees_with_the_textbook(size):
    data = _leaves(size)
    subtree = merkle.list_subtree(data)
    tiled = merkle.TiledTree(lambda lo, hi: data[lo:hi], tile_size=4)
    root = _mth(data)
    assert merkle.root_of(data) == root == tiled.root(size)
    for index in range(size):
        path = merkle.inclusion_proof(index, size, subtree)
        assert path == _path(index, data) == merkle.inclusion_proof(index, size, tiled)
        assert merkle.verify_inclusion(index, size, merkle.leaf_hash(data[index]), path, root)
    for old in range(1, size + 1):
        proof = merkle.consistency_proof(old, size, subtree)
        assert proof == _subproof(old, data, True) == merkle.consistency_proof(old, size, tiled)
        assert merkle.verify_consistency(old, size, _mth(data[:old]), root, proof)


def test_a_tiled_tree_reads_each_complete_tile_once():
    data, reads = _leaves(100), []

    def fetch(lo, hi):
        reads.append((lo, hi))
        return data[lo:hi]

    tree = merkle.TiledTree(fetch, tile_size=16)
    tree.root(100)
    first = len(reads)
    assert tree.root(100) == _mth(data)
    assert sorted(tree.tiles) == [0, 1, 2, 3, 4, 5]
    assert len(reads) == first + 1 and reads[-1] == (96, 100)


def test_a_gap_in_the_fetched_leaves_is_refused():
    tree = merkle.TiledTree(lambda lo, hi: _leaves(10)[lo:hi], tile_size=4)
    with pytest.raises(merkle.ProofError, match="not all in the log"):
        tree.root(12)


# --- properties over random logs -----------------------------------------------------------


@st.composite
def log_and_index(draw):
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


@settings(max_examples=60, deadline=None)
@given(log_and_index(), st.data())
def test_inclusion_proofs_verify_and_any_change_breaks_them(case, data):
    size, index = case
    leaves = _leaves(size)
    root = merkle.root_of(leaves)
    proof = merkle.inclusion_proof(index, size, merkle.list_subtree(leaves))
    leaf = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(index, size, leaf, proof, root)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else None
    if other is not None:
        assert not merkle.verify_inclusion(other, size, leaf, proof, root)
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[other]),
                                           proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bent = proof[:at] + [bytes([proof[at][0] ^ 1]) + proof[at][1:]] + proof[at + 1:]
        assert not merkle.verify_inclusion(index, size, leaf, bent, root)
        assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
    assert not merkle.verify_inclusion(index, size, leaf, proof + [root], root)
    assert not merkle.verify_inclusion(index, size, leaf, proof, merkle.root_of(leaves + [b"x"]))


@st.composite
def two_sizes(draw):
    new = draw(st.integers(1, 300))
    return draw(st.integers(1, new)), new


@settings(max_examples=60, deadline=None)
@given(two_sizes(), st.data())
def test_consistency_proofs_verify_and_a_rewritten_history_fails(sizes, data):
    old, new = sizes
    leaves = _leaves(new)
    old_root, new_root = merkle.root_of(leaves[:old]), merkle.root_of(leaves)
    proof = merkle.consistency_proof(old, new, merkle.list_subtree(leaves))
    merkle.check_consistency(old, new, old_root, new_root, proof)
    changed = data.draw(st.integers(0, old - 1))
    rewritten = leaves[:changed] + [b"rewritten"] + leaves[changed + 1:]
    forged = merkle.consistency_proof(old, new, merkle.list_subtree(rewritten))
    assert not merkle.verify_consistency(old, new, old_root, merkle.root_of(rewritten), forged)
    if proof:
        assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])


@pytest.mark.parametrize(("old", "new", "proof", "message"), [
    (3, 2, [], "cannot be a prefix"),
    (4, 4, [b"x" * 32], "should be empty"),
    (3, 5, [], "empty"),
])
def test_impossible_consistency_claims_are_refused_with_a_reason(old, new, proof, message):
    with pytest.raises(merkle.ProofError, match=message):
        merkle.check_consistency(old, new, CT_ROOTS[min(old, 8)], CT_ROOTS[new], proof)


@pytest.mark.parametrize(("index", "size"), [(-1, 4), (4, 4), (0, 0)])
def test_no_inclusion_proof_for_a_leaf_outside_the_tree(index, size):
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(index, size, merkle.list_subtree(_leaves(4)))
    assert not merkle.verify_inclusion(index, size, b"\x00" * 32, [], CT_ROOTS[0])
