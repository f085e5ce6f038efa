"""Account creation settles a lost race for a username with a clear refusal."""

import pytest

from grants.domain.errors import Refusal
from grants.services import accounts
from tests.helpers import PASSWORD, audit_count, create_user


def test_a_username_taken_between_check_and_commit_is_a_clear_refusal(app, monkeypatch):
    create_user("wangmin", "organizer")
    before = audit_count()
    monkeypatch.setattr(accounts, "_check_new_account", lambda *_args: None)
    with pytest.raises(Refusal, match="已被使用"):
        accounts.register_resident("wangmin", "王敏", PASSWORD)
    assert audit_count() == before


def _last_entry():
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import AuditEntry

    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_account_events_name_the_role_that_allowed_them(app):
    resident = accounts.register_resident("zhang", "张桂兰", PASSWORD)
    assert (_last_entry().action, _last_entry().actor_role) == ("account.register", "resident")
    assert _last_entry().actor_id == resident.id
    staff = accounts.create_staff_user("cli-made", "命令行", PASSWORD, ["judge"])
    assert (_last_entry().action, _last_entry().actor_role) == ("account.create", "system")
    admin = create_user("boss", "finance", "auditor", "admin")
    accounts.create_staff_user("judge2", "评审二", PASSWORD, ["judge"], actor=admin)
    assert (_last_entry().action, _last_entry().actor_role) == ("account.create", "admin")
    accounts.set_roles(staff, ["judge", "finance"], actor=admin)
    entry = _last_entry()
    assert (entry.action, entry.actor_role, entry.actor_id) == (
        "account.change_roles", "admin", admin.id)


def test_only_admins_change_roles_or_create_staff(app):
    finance_auditor = create_user("fa", "finance", "auditor")
    target = create_user("judge", "judge")
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        accounts.set_roles(target, ["judge", "admin"], actor=finance_auditor)
    assert refused.value.status == 403
    with pytest.raises(Refusal):
        accounts.create_staff_user("x1", "x", PASSWORD, ["admin"], actor=finance_auditor)
    assert audit_count() == before and target.roles == {"judge"}


def test_organisation_sign_up_is_audited_as_its_member(app):
    from grants.demo import demo_uscc

    details = accounts.OrgDetails("阳光助老服务中心", demo_uscc(1), "李静", "13912345678")
    member = accounts.register_organisation("yangguang", "李静", PASSWORD, details)
    entry = _last_entry()
    assert (entry.action, entry.actor_role, entry.actor_id) == (
        "organisation.register", "org_member", member.id)
