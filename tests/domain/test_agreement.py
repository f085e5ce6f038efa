"""Agreement number, supervision clauses and the digest of frozen rows."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from grants.domain.agreement import (
    BUDGET_LINE_FIELDS,
    SUPERVISION_CLAUSES,
    agreement_number,
    frozen_digest,
    row_facts,
)


def test_agreement_number():
    assert agreement_number("JN", 2026, 7, 3) == "JN-2026-07-003"
    assert agreement_number(" jn ", 2026, 12, 150) == "JN-2026-12-150"


@pytest.mark.parametrize(
    "args",
    [
        ("J", 2026, 1, 1),
        ("济南", 2026, 1, 1),
        ("JN", 26, 1, 1),
        ("JN", 2026, 0, 1),
        ("JN", 2026, 1, 0),
    ],
)
def test_agreement_number_refuses_bad_parts(args):
    with pytest.raises(ValueError):
        agreement_number(*args)


def test_supervision_clauses_cover_the_essentials():
    assert 6 <= len(SUPERVISION_CLAUSES) <= 8
    text = "".join(SUPERVISION_CLAUSES)
    for topic in ("专款专用", "分期拨付", "凭证", "中期", "结项", "监督", "退回", "公开", "审计"):
        assert topic in text


LINE = SimpleNamespace(id=7, position=0, item="食材", cost_category="materials",
                       unit_price_fen=1500, quantity=4, subtotal_fen=6000, proposal_id=3)


def test_row_facts_keep_only_the_named_fields():
    facts = row_facts(LINE, BUDGET_LINE_FIELDS)
    assert set(facts) == set(BUDGET_LINE_FIELDS) and facts["subtotal_fen"] == 6000


def test_frozen_digest_is_the_sha256_of_canonical_json():
    facts = row_facts(LINE, BUDGET_LINE_FIELDS)
    text = (
        '{"rows":[{"cost_category":"materials","id":7,"item":"食材","position":0,'
        '"quantity":4,"subtotal_fen":6000,"unit_price_fen":1500}]}'
    )
    assert frozen_digest([facts]) == hashlib.sha256(text.encode()).hexdigest()


def test_frozen_digest_changes_with_any_field_and_with_the_order():
    first = row_facts(LINE, BUDGET_LINE_FIELDS)
    second = {**first, "id": 8, "position": 1}
    assert frozen_digest([first, second]) != frozen_digest([second, first])
    assert frozen_digest([first]) != frozen_digest([{**first, "quantity": 5}])
