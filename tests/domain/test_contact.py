"""E-mail addresses for notifications, read as people type them."""

from __future__ import annotations

import pytest

from grants.domain.contact import check_email, normalise_email


@pytest.mark.parametrize(("typed", "stored"), [
    ("", ""), ("  ", ""), ("a@b.cn", "a@b.cn"), ("ａ＠ｂ．ｃｎ", "a@b.cn"),
    ("Li.Si@Mail.Example.CN", "Li.Si@mail.example.cn"), (" zhang @ example.cn ", "zhang@example.cn"),
])
def test_addresses_are_read_leniently(typed, stored):
    assert normalise_email(typed) == stored and check_email(typed) is None


@pytest.mark.parametrize("typed", ["zhang", "a@b", "a@@b.cn", "a@b.", "x" * 120 + "@a.cn"])
def test_a_wrong_address_is_refused_with_the_reason(typed):
    assert normalise_email(typed) is None
    assert "邮箱格式不正确" in check_email(typed)
