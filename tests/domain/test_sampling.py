"""The follow-up sample is reproducible: the same seed and list give the same sample, checked
against an independent implementation of docs/sampling.md written here from the text alone;
a changed list has a different hash and so draws differently."""

from __future__ import annotations

import hashlib

import pytest

from grants.domain import sampling
from grants.domain.beneficiaries import Beneficiary, list_hash

SEED = "5f" * 32


def people(count: int, phone_from: int = 13800005000) -> list[Beneficiary]:
    return [Beneficiary(f"居民{i}", str(phone_from + i), "竹山社区", "送餐上门")
            for i in range(count)]


def redraw_from_the_document(seed: str, digest: str, size: int, quota: int) -> list[int]:
    """docs/sampling.md, step 3, implemented without the module: key each row index with
    sha256 over "seed:list_hash:index", smallest keys first, quota of them."""
    keyed = []
    for index in range(size):
        message = (seed + ":" + digest + ":" + str(index)).encode("ascii")
        keyed.append((hashlib.sha256(message).hexdigest(), index))
    keyed.sort()
    return [index for _key, index in keyed[:quota]]


@pytest.mark.parametrize(("size", "quota"), [(40, 25), (25, 25), (10, 25), (1, 1), (0, 5)])
def test_the_draw_matches_an_independent_implementation_of_the_document(size, quota):
    digest = list_hash(people(size)) if size else "0" * 64
    drawn = sampling.draw_positions(SEED, digest, size, quota)
    assert drawn == redraw_from_the_document(SEED, digest, size, quota)
    assert len(drawn) == min(size, quota) and len(set(drawn)) == len(drawn)


def test_the_same_seed_and_lists_give_the_same_stratified_sample():
    strata = [sampling.Stratum(7, list_hash(people(40)), 40),
              sampling.Stratum(9, list_hash(people(30, 13900005000)), 30)]
    first = sampling.draw_sample(SEED, strata, 25)
    assert first == sampling.draw_sample(SEED, list(reversed(strata)), 25)
    assert {award: len(rows) for award, rows in first.items()} == {7: 25, 9: 25}
    assert sampling.same_draw(SEED, strata, 25, first)
    assert not sampling.same_draw(SEED, strata, 24, first)


def test_a_changed_list_has_another_hash_and_draws_otherwise():
    original, changed = people(40), people(40)
    changed[3] = Beneficiary("居民3", "13800009999", "竹山社区", "送餐上门")
    assert list_hash(changed) != list_hash(original)
    assert (sampling.draw_positions(SEED, list_hash(changed), 40, 10)
            != sampling.draw_positions(SEED, list_hash(original), 40, 10))


def test_another_seed_draws_another_sample_and_new_seeds_are_fresh_hex():
    digest = list_hash(people(40))
    other = sampling.new_seed()
    assert sampling.check_hex64(other) == other and other != sampling.new_seed()
    assert sampling.draw_positions(other, digest, 40, 10) != sampling.draw_positions(SEED, digest, 40, 10)


@pytest.mark.parametrize("seed", ["", "5F" * 32, "5f" * 31, "zz" * 32])
def test_a_malformed_seed_is_refused(seed):
    with pytest.raises(ValueError):
        sampling.draw_positions(seed, "0" * 64, 3, 1)


def test_the_worked_example_of_the_document_holds():
    rows = [Beneficiary("张桂兰", "13800001234", "竹山社区", "送餐上门"),
            Beneficiary("刘建国", "13800005678", "东山社区", "助浴")]
    digest = list_hash(rows)
    assert digest == "b8f70637409c18a1237af02bc9dc4adfd3014f9a3f4dfbbc6c750adc44ca8e24"
    assert redraw_from_the_document(SEED, digest, 2, 2) == [1, 0]
    assert sampling.draw_positions(SEED, digest, 2, 2) == [1, 0]
