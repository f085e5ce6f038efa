"""Who may act on awards, notices, objections and agreements, and what the public may see.

Plain functions in the ``can_<verb>(user, obj) -> (allowed, reason)`` style of
:mod:`grants.domain.permissions`. ``user`` has ``id``, ``roles`` and ``organisation_id`` (or is
None for an anonymous visitor); objects are read by attribute. The module also holds the checks
on what an objector types, and the masking rules that keep private people private on the public
notice: individual names are masked, phone numbers and bank accounts never appear.
"""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import (
    ALLOWED,
    AWARD_READERS,
    ORGANIZERS,
    STAFF_READERS,
    Decision,
    allowed_to,
    has_any_role,
    owns_proposal,
)
from grants.domain.proposals import normalise_phone
from grants.domain.roles import ORGANIZER

OBJECTION_MAX_CHARS = 2000
NAME_MAX_CHARS = 30


def can_manage_awards(user) -> Decision:
    """Organizers (and admins) decide awards, publish notices and rule on objections."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以管理立项、公示和异议"))


def can_view_agreement(user, proposal) -> Decision:
    """The applicant side and the staff who run or check the round may read an agreement."""
    if has_any_role(user, AWARD_READERS) or owns_proposal(user, proposal):
        return ALLOWED
    return False, msg("您无权查看这份协议书")


def can_sign_agreement(user, proposal) -> Decision:
    """Only the applicant (or a member of the applying organisation) signs as party B."""
    if owns_proposal(user, proposal):
        return ALLOWED
    return False, msg("只有申报方本人可以签署这份协议书")


def can_countersign_agreement(user) -> Decision:
    """The organizer countersigns as party A (admins do not sign contracts)."""
    if has_any_role(user, (ORGANIZER,)):
        return ALLOWED
    return False, msg("只有主办方可以签署协议书（甲方）")


def can_view_score_sheet(user, proposal) -> Decision:
    """The applicant sees their own score sheet; organizers and auditors see every one."""
    if has_any_role(user, STAFF_READERS) or owns_proposal(user, proposal):
        return ALLOWED
    return False, msg("您无权查看这份评分表")


def can_view_objection(user, objection) -> Decision:
    """The logged-in objector and the organizers read an objection (anonymous: by receipt)."""
    if has_any_role(user, ORGANIZERS):
        return ALLOWED
    if user is not None and objection.user_id is not None and objection.user_id == user.id:
        return ALLOWED
    return False, msg("您无权查看这件异议")


def valid_phone(phone: str) -> bool:
    """A mainland mobile number (11 digits from 13…) or a landline with area code, read as
    every phone field reads it (full-width digits, spaces and +86 accepted)."""
    return normalise_phone(phone) is not None


def objection_problems(text: str, name: str, phone: str, anonymous: bool) -> list[str]:
    """Every reason an objection cannot be filed as typed (empty when it can).

    Logged-in objectors are known by their account; anonymous ones must leave a name and a
    valid phone number so the organizer can reach them. Neither is ever shown publicly.
    """
    problems = []
    body = text.strip()
    if not body:
        problems.append(msg("请填写异议内容"))
    elif len(body) > OBJECTION_MAX_CHARS:
        problems.append(
            msg(
                "异议内容不能超过 {max} 字（当前 {count} 字）",
                max=OBJECTION_MAX_CHARS,
                count=len(body),
            )
        )
    if anonymous:
        if not name.strip():
            problems.append(msg("未登录时请填写姓名"))
        elif len(name.strip()) > NAME_MAX_CHARS:
            problems.append(msg("姓名不能超过 {max} 字", max=NAME_MAX_CHARS))
        if not valid_phone(phone.strip()):
            problems.append(msg("请填写有效的联系电话（11 位手机号或带区号的固定电话）"))
    return problems


def mask_person_name(name: str) -> str:
    """Keep a person's surname and hide the rest (张桂兰 → 张**), as notices do."""
    name = (name or "").strip()
    if not name:
        return "**"
    return name[0] + "*" * max(len(name) - 1, 1)


def public_applicant(organisation_name: str | None, leader_name: str) -> str:
    """How the public notice names an applicant: the organisation, or a masked team leader."""
    if organisation_name:
        return organisation_name
    return msg("居民团队（负责人 {leader}）", leader=mask_person_name(leader_name))
