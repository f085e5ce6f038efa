"""The audit chain verifier finds edits, deletions, swaps and truncation at the first bad seq."""

import pytest

from grants.domain.audit import (
    GENESIS_HASH, EntryFields, PayloadError, canonical_json, entry_hash, verify_chain,
)


def build_chain(n: int) -> list[tuple]:
    rows, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = EntryFields(seq, f"2026-11-23T08:00:{seq % 60:02d}.000000Z", seq % 3 or None,
                             "organizer", "proposal.screened", "proposal", seq,
                             canonical_json({"amount_fen": seq * 100, "名称": "金点子"}), prev)
        digest = entry_hash(fields)
        rows.append((*[getattr(fields, f) for f in EntryFields.__slots__[:-1]], digest))
        prev = digest
    return rows


def test_intact_chain_verifies_and_reports_head():
    rows = build_chain(20)
    result = verify_chain(rows, expected_head=(20, rows[-1][-1]))
    assert result.ok and result.count == 20 and result.head_hash == rows[-1][-1]


def test_one_byte_payload_edit_is_found_at_its_seq():
    rows = build_chain(20)
    edited = list(rows[6])
    edited[7] = edited[7].replace("700", "701")
    rows[6] = tuple(edited)
    result = verify_chain(rows)
    assert not result.ok and result.first_bad_seq == 7


def test_deleted_row_is_found_at_the_missing_seq():
    rows = build_chain(20)
    del rows[9]
    assert verify_chain(rows).first_bad_seq == 10


def test_two_swapped_rows_are_found_at_the_first_of_them():
    rows = build_chain(20)
    rows[4], rows[5] = rows[5], rows[4]
    assert verify_chain(rows).first_bad_seq == 5


def test_swapped_contents_keeping_seq_are_found():
    rows = build_chain(20)
    a, b = list(rows[4]), list(rows[5])
    a[1:], b[1:] = b[1:], a[1:]
    rows[4], rows[5] = tuple([5, *a[1:]]), tuple([6, *b[1:]])
    assert verify_chain(rows).first_bad_seq == 5


def test_truncated_tail_is_found_against_the_exported_head():
    rows = build_chain(20)
    head = (20, rows[-1][-1])
    result = verify_chain(rows[:17], expected_head=head)
    assert not result.ok and result.first_bad_seq == 18


def test_payload_is_canonical_and_refuses_floats():
    assert canonical_json({"b": 1, "a": "元"}) == '{"a":"元","b":1}'
    with pytest.raises(PayloadError):
        canonical_json({"amount": 12.5})
