"""Who may see, write, staff and score the mid-term and final evaluations.

In the ``can_<verb>(user, obj) -> (allowed, reason)`` style of
:mod:`grants.domain.permissions`. The grantee is the award's proposal owner
(:func:`~grants.domain.permissions.owns_proposal`); an evaluator sees the evaluations they are
assigned to (an active sheet); staff who read awards see them all. Anyone else is told the
evaluation does not exist, so another grantee's report and photos answer 404, never 403.
State-dependent buttons come from the lifecycles; these add who may act at all.
"""

from __future__ import annotations

from grants.domain.i18n import N_, msg
from grants.domain.permissions import (
    ALLOWED,
    AWARD_READERS,
    EVALUATORS,
    ORGANIZERS,
    Decision,
    allowed_to,
    has_any_role,
    is_signed_in,
    owns_proposal,
)

NOT_FOUND = N_("找不到这项评估")


def is_assigned(user, evaluator_ids) -> bool:
    """True when ``user`` holds the evaluator role and is one of the active evaluators."""
    return (is_signed_in(user) and has_any_role(user, EVALUATORS)
            and user.id in set(evaluator_ids))


def can_view_evaluation(user, proposal, evaluator_ids=()) -> Decision:
    """The grantee, its assigned evaluators and the staff who read awards see an evaluation
    (report, photos, scores); anyone else is told nothing exists."""
    if owns_proposal(user, proposal) or has_any_role(user, AWARD_READERS) \
            or is_assigned(user, evaluator_ids):
        return ALLOWED
    return False, msg("找不到这项评估")


def can_write_report(user, proposal) -> Decision:
    """Only the grantee writes and submits the report (the state decides when)."""
    if owns_proposal(user, proposal):
        return ALLOWED
    return False, msg("只有本项目的申报方可以填写评估报告")


def can_manage_evaluations(user) -> Decision:
    """Organizers open evaluations, assign evaluators, return reports and publish results."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以管理评估"))


def can_score(user, evaluator_id: int) -> Decision:
    """An evaluator scores only the sheets assigned to them."""
    if is_signed_in(user) and has_any_role(user, EVALUATORS) and user.id == evaluator_id:
        return ALLOWED
    return False, msg("找不到这项评分任务")


def can_be_evaluator(candidate, proposal) -> Decision:
    """An account may evaluate a project when it holds the evaluator role and has no part in
    the project (its applicant or a member of the applying organisation)."""
    if not has_any_role(candidate, EVALUATORS):
        return False, msg("只能分配持有“第三方评估”角色的账号")
    if owns_proposal(candidate, proposal):
        return False, msg("该评估人员属于项目申报方，须回避")
    return ALLOWED
