"""Who may see, edit, withdraw and screen proposals, and see their attachments."""

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


def test_workflow_roles():
    assert perms.workflow_roles(OWNER, Proposal()) == {"applicant"}
    assert perms.workflow_roles(ADMIN, Proposal()) == {"organizer"}
    assert perms.workflow_roles(OTHER, Proposal()) == frozenset()
