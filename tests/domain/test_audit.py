"""The audit chain verifier finds edits, deletions, swaps and truncation at the first bad seq."""

import pytest

from grants.domain.audit import (
    GENESIS_HASH,
    EntryFields,
    PayloadError,
    canonical_json,
    entry_hash,
    join_segments,
    verify_chain,
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


def _segments(rows, cuts):
    bounds = list(zip([1, *[c + 1 for c in cuts]], [*cuts, len(rows)], strict=True))
    out = []
    for lo, hi in bounds:
        part = [r for r in rows if lo <= r[0] <= hi]
        out.append((lo, hi, verify_chain(part, start_seq=lo, start_prev=None)))
    return out


def test_segments_verified_apart_join_into_the_whole_chain():
    rows = build_chain(30)
    joined = join_segments(_segments(rows, [10, 20]), expected_head=(30, rows[-1][-1]))
    assert joined.ok and joined.count == 30 and joined.head_hash == rows[-1][-1]


def test_joined_segments_name_the_first_bad_seq():
    rows = build_chain(30)
    edited = list(rows[24])
    edited[7] = edited[7].replace("2500", "2501")
    rows[24] = tuple(edited)
    assert join_segments(_segments(rows, [10, 20])).first_bad_seq == 25
    rows = build_chain(30)
    del rows[10]  # seq 11, the first of the second segment
    assert join_segments(_segments(rows, [10, 20])).first_bad_seq == 11
    rows = build_chain(30)
    assert join_segments(_segments(rows[:25], [10, 20]), (30, rows[-1][-1])).first_bad_seq == 26


def test_a_segment_spliced_from_another_chain_breaks_the_link():
    rows, other = build_chain(20), build_chain(20)
    forged = [tuple([r[0], *r[1:8], "f" * 64, r[9]]) if r[0] == 11 else r for r in rows[:10]]
    segments = [(1, 10, verify_chain(forged[:10], start_seq=1, start_prev=None)),
                (11, 20, verify_chain(other[10:], start_seq=11, start_prev=None))]
    assert join_segments(segments).ok is (other[10][8] == rows[9][9])
