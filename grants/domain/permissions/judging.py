"""Who may do what in online judging: ``can_<verb>(user, …) -> (allowed, reason)``.

``user`` is anything with ``id`` and ``roles`` (or ``None`` for an anonymous visitor); the facts
about a sheet are passed in as a :class:`SheetAccess`, so these functions stay plain Python.
Every rule is written with the role groups of :mod:`grants.domain.permissions`: judging is run
by the ORGANIZERS, read by the STAFF_READERS, scored by the JUDGES and voted on by RESIDENTS.
Refusals come in two kinds the web layer answers differently: the judge may not open a sheet at
all (``can_open_sheet``: 404 to a judge, as if it did not exist — :func:`require_sheet_open`)
or may open it but not change it now (``can_edit_sheet``: 409).
:func:`require` turns a "no" into the :class:`~grants.domain.errors.Refusal` services raise.
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.domain.errors import Refusal
from grants.domain.i18n import msg, tr
from grants.domain.lifecycles.score_sheet import is_locked
from grants.domain.permissions import (
    ALLOWED,
    JUDGES,
    ORGANIZERS,
    RESIDENTS,
    STAFF_READERS,
    Decision,
    allowed_to,
    has_any_role,
    owns_proposal,
)


@dataclass(frozen=True)
class SheetAccess:
    """What the record says about one judge and one proposal."""

    on_panel: bool
    assigned: bool
    conflict: str | None
    sheet_status: str | None
    window_problem: str | None
    closed: bool
    declared_here: bool = False
    """True when the judge declared a conflict with this very proposal (so they know of it)."""


def require(decision: Decision, status: int = 403) -> None:
    """Raise a :class:`Refusal` with the decision's reason and ``status`` when it says no."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


def can_manage_panel(user) -> Decision:
    """Organizers set up judging: panel, rubric, settings, assignments, reopening, closing."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以管理评审"))


def can_view_ranking(user) -> Decision:
    """Organizers, admins and auditors read the ranking, every sheet and the judges' names."""
    return allowed_to(user, STAFF_READERS, msg("只有主办方和监督人员可以查看评审结果"))


def can_open_sheet(user, access: SheetAccess) -> Decision:
    """A judge opens a scoring form only for a proposal assigned to them and free of conflict."""
    if not has_any_role(user, JUDGES):
        return False, msg("只有评审专家可以评分")
    if not (access.on_panel and access.assigned):
        return False, msg("该项目未分配给您评审")
    if access.conflict:
        return False, msg("您与该项目存在利益冲突，须回避（{reason}）", reason=tr(access.conflict))
    return ALLOWED


def require_sheet_open(user, access: SheetAccess) -> None:
    """Refuse a judge who may not open this sheet without saying the proposal exists.

    To a judge, a proposal they may not open answers exactly like one that does not exist
    (404 "找不到该项目"): a 403 there, or a conflict named by another rule (an organisation
    they declared, a membership the record shows), would tell them it is there and whose it
    is. Only a conflict they declared with this very proposal is answered with its reason
    (403), since they know it already; anyone without the judge role gets 403.
    """
    allowed, reason = can_open_sheet(user, access)
    if allowed:
        return
    if has_any_role(user, JUDGES) and not access.declared_here:
        raise Refusal(msg("找不到该项目"), status=404)
    raise Refusal(reason, status=403)


def can_edit_sheet(user, access: SheetAccess) -> Decision:
    """An opened sheet can change only until it is submitted (locked) and while judging is open."""
    allowed, reason = can_open_sheet(user, access)
    if not allowed:
        return allowed, reason
    if access.closed:
        return False, msg("本轮评审已结束，评分不能再修改")
    if is_locked(access.sheet_status):
        return False, msg("评分表已提交并锁定；如需修改，请联系主办方退回")
    if access.window_problem:
        return False, access.window_problem
    return ALLOWED


def can_score(user, access: SheetAccess) -> Decision:
    """Whether the judge may score this proposal now (open the form and change it)."""
    return can_edit_sheet(user, access)


def can_view_sheet(user, sheet_judge_id: int) -> Decision:
    """A judge sees only their own sheets; organizers and auditors see all of them."""
    if has_any_role(user, STAFF_READERS):
        return ALLOWED
    if has_any_role(user, JUDGES) and getattr(user, "id", None) == sheet_judge_id:
        return ALLOWED
    return False, msg("评委只能查看自己的评分表")


def can_declare_conflict(user, on_panel: bool) -> Decision:
    """Judges on a round's panel declare their own conflicts of interest."""
    if has_any_role(user, JUDGES) and on_panel:
        return ALLOWED
    return False, msg("只有本轮评审专家可以申报回避")


def can_vote(user) -> Decision:
    """Resident accounts support proposals in the resident vote (居民评)."""
    return allowed_to(user, RESIDENTS, msg("只有居民账号可以参与投票"))


def can_view_result(user, proposal, published: bool) -> Decision:
    """After publication the owner of a proposal (its applicant, or any member of the applying
    organisation) sees its total, means and comments."""
    if not owns_proposal(user, proposal):
        return False, msg("只能查看自己申报项目的评审结果")
    if not published:
        return False, msg("评审结果尚未公布")
    return ALLOWED


def can_download_attachment(user, access: SheetAccess | None) -> Decision:
    """Readers download any attachment; a judge only those of proposals they may open."""
    if has_any_role(user, STAFF_READERS):
        return ALLOWED
    if access is None:
        return False, msg("该项目未分配给您评审")
    return can_open_sheet(user, access)
