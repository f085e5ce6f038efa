"""Who may see, edit, withdraw and screen proposals, and see their attachments.

The owner is the applicant or any member of the applying organisation: a colleague of the
applicant gets exactly the applicant's access, a member of another organisation none."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from grants.domain.permissions import proposals as perms


@dataclass
class User:
    id: int | None
    roles: frozenset = field(default_factory=frozenset)
    organisation_id: int | None = None
    is_authenticated: bool = True


@dataclass
class Proposal:
    id: int = 10
    applicant_id: int = 1
    status: str = "draft"
    organisation_id: int | None = None


@dataclass
class Attachment:
    proposal_id: int = 10


OWNER = User(1, frozenset({"resident"}))
OTHER = User(2, frozenset({"resident"}))
JUDGE = User(3, frozenset({"judge"}))
ORGANIZER = User(4, frozenset({"organizer"}))
ADMIN = User(5, frozenset({"admin"}))
AUDITOR = User(6, frozenset({"auditor"}))
FINANCE = User(7, frozenset({"finance"}))
ANONYMOUS = User(None, is_authenticated=False)
APPLICANT_OF_ORG = User(11, frozenset({"org_member"}), organisation_id=30)
COLLEAGUE = User(12, frozenset({"org_member"}), organisation_id=30)
OTHER_ORG = User(13, frozenset({"org_member"}), organisation_id=31)
ORG_PROPOSAL = Proposal(applicant_id=11, organisation_id=30)


@pytest.mark.parametrize(
    "user, allowed",
    [
        (OWNER, True),
        (ORGANIZER, True),
        (ADMIN, True),
        (AUDITOR, True),
        (OTHER, False),
        (JUDGE, False),
        (FINANCE, False),
        (ANONYMOUS, False),
        (None, False),
    ],
)
def test_view(user, allowed):
    assert perms.can_view_proposal(user, Proposal())[0] is allowed
    assert perms.can_view_attachment(user, Attachment(), Proposal())[0] is allowed


def test_attachment_of_another_proposal_is_refused():
    assert perms.can_view_attachment(OWNER, Attachment(proposal_id=99), Proposal())[0] is False


@pytest.mark.parametrize(
    "status, allowed",
    [
        ("draft", True),
        ("returned", True),
        ("submitted", False),
        ("eligible", False),
        ("withdrawn", False),
        ("ineligible", False),
    ],
)
def test_owner_edits_only_drafts_and_returned(status, allowed):
    assert perms.can_edit_proposal(OWNER, Proposal(status=status))[0] is allowed
    assert perms.can_change_attachments(OWNER, Proposal(status=status))[0] is allowed


@pytest.mark.parametrize("user", [OTHER, ORGANIZER, ADMIN, AUDITOR, JUDGE, ANONYMOUS])
def test_nobody_else_edits_or_withdraws(user):
    assert perms.can_edit_proposal(user, Proposal())[0] is False
    assert perms.can_withdraw_proposal(user, Proposal())[0] is False


@pytest.mark.parametrize(
    "user, allowed",
    [
        (ORGANIZER, True),
        (ADMIN, True),
        (AUDITOR, False),
        (JUDGE, False),
        (OWNER, False),
        (ANONYMOUS, False),
    ],
)
def test_screen(user, allowed):
    assert perms.can_screen(user)[0] is allowed


def test_apply_needs_a_resident_or_an_organisation_member_with_an_organisation():
    assert perms.can_apply(OWNER)[0]
    assert perms.can_apply(User(8, frozenset({"org_member"}), organisation_id=3))[0]
    allowed, reason = perms.can_apply(User(8, frozenset({"org_member"})))
    assert not allowed and "尚未关联社会组织" in reason
    assert not perms.can_apply(JUDGE)[0] and not perms.can_apply(ANONYMOUS)[0]
    assert perms.applies_as_org(User(8, frozenset({"org_member", "resident"}), organisation_id=3))
    assert not perms.applies_as_org(OWNER)


def test_roles_on_a_proposal():
    assert perms.roles_on(OWNER, Proposal()) == {"resident", "applicant", "public"}
    assert perms.roles_on(ADMIN, Proposal()) == {"admin", "public"}
    assert perms.roles_on(OTHER, Proposal()) == {"resident", "public"}
    assert "applicant" in perms.roles_on(COLLEAGUE, ORG_PROPOSAL)
    assert "applicant" not in perms.roles_on(OTHER_ORG, ORG_PROPOSAL)


@pytest.mark.parametrize("user", [APPLICANT_OF_ORG, COLLEAGUE])
@pytest.mark.parametrize("status", ["draft", "returned"])
def test_an_organisation_colleague_has_the_applicants_access(user, status):
    proposal = Proposal(applicant_id=11, organisation_id=30, status=status)
    assert perms.can_view_proposal(user, proposal)[0]
    assert perms.can_view_attachment(user, Attachment(), proposal)[0]
    assert perms.can_edit_proposal(user, proposal)[0]
    assert perms.can_change_attachments(user, proposal)[0]
    assert perms.can_withdraw_proposal(user, proposal)[0]


@pytest.mark.parametrize("user", [OTHER_ORG, OTHER, User(14, frozenset({"org_member"}))])
def test_a_member_of_another_organisation_is_refused_as_not_found(user):
    for decision in (
        perms.can_view_proposal(user, ORG_PROPOSAL),
        perms.can_view_attachment(user, Attachment(), ORG_PROPOSAL),
        perms.can_edit_proposal(user, ORG_PROPOSAL),
        perms.can_withdraw_proposal(user, ORG_PROPOSAL),
    ):
        assert decision == (False, "找不到这个申报项目")
