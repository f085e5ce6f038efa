"""Audit payloads as people read them: yuan, Beijing time, state labels, names."""

from __future__ import annotations

from grants.domain.audit_reading import ReadableLine, object_label, readable_payload


def test_money_times_states_and_people_are_readable():
    payload = {"from": "draft", "to": "submitted", "requested_fen": 841000, "judge_id": 7,
               "signed_at": "2026-12-02T06:16:21.037144Z", "flags": [], "blind": True}
    lines = readable_payload("proposal", payload, {7: "评审专家赵教授"})
    assert lines == [
        ReadableLine("状态", "草稿 → 已提交"),
        ReadableLine("申请金额", "¥8,410.00"),
        ReadableLine("评审专家", "评审专家赵教授"),
        ReadableLine("签署时间", "2026年12月2日 14:16"),
        ReadableLine("flags", "—"),
        ReadableLine("blind", "是"),
    ]


def test_round_edits_show_each_change_before_and_after():
    payload = {"changes": {"pool_fen": [10_000_000, 8_000_000],
                           "submit_close": ["2026-11-07T10:00:00Z", "2026-11-05T10:00:00Z"]}}
    assert readable_payload("funding_round", payload) == [
        ReadableLine("资金池", "¥100,000.00 → ¥80,000.00"),
        ReadableLine("submit_close", "2026年11月7日 18:00 → 2026年11月5日 18:00"),
    ]


def test_unknown_shapes_stay_visible():
    lines = readable_payload("payment", {"loads": {"7": 11}, "tiers": [500000, 1500000]})
    assert lines == [ReadableLine("loads", '{"7":11}'),
                     ReadableLine("tiers", "500000、1500000")]
    assert object_label("award") == "立项" and object_label("mystery") == "mystery"
