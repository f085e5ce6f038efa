"""Account creation settles a lost race for a username with a clear refusal."""

import pytest

from grants.services import accounts
from tests.helpers import PASSWORD, audit_count, create_user


def test_a_username_taken_between_check_and_commit_is_a_clear_refusal(app, monkeypatch):
    create_user("wangmin", "organizer")
    before = audit_count()
    monkeypatch.setattr(accounts, "_check_new_account", lambda *_args: None)
    with pytest.raises(accounts.AccountError, match="已被使用"):
        accounts.register_resident("wangmin", "王敏", PASSWORD)
    assert audit_count() == before
