"""What needs me: the page each person lands on after logging in, one section per role held.

The view asks the landing service for counts and lists and turns each queue count into a link
to the list it counts (filtered to its round where there is one).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from grants.domain.audit_reading import object_label
from grants.domain.i18n import N_
from grants.domain.lifecycles import audit_action_label
from grants.domain.permissions import (
    APPLICANTS,
    AUDIT_READERS,
    FINANCE_OFFICERS,
    JUDGES,
    ORGANIZERS,
    RESIDENTS,
    has_any_role,
    policies,
    roles_of,
)
from grants.domain.roles import JUDGE
from grants.services import audit, landing
from grants.web.access import requires

bp = Blueprint("home", __name__, url_prefix="/me")

QUEUE_LABELS: dict[str, str] = {
    "to_screen": N_("待资格审查的申报"),
    "conflicts": N_("申报回避、需更换评委的评审任务"),
    "objections": N_("待处理的异议"),
    "notices_ending": N_("即将结束或待确认的公示"),
    "to_countersign": N_("待主办方签署的协议"),
    "to_request": N_("已达拨付条件、待申请拨付的批次"),
    "to_approve": N_("待您复核的付款申请"),
    "to_mark_paid": N_("已复核、待登记付款的申请"),
    "expenses": N_("待审核的支出"),
}


def queue_url(count: landing.QueueCount) -> str:
    """The list a queue count counts, filtered to its round when it has one."""
    rid = count.round_id
    round_page = (lambda: url_for("awards.round_page", round_id=rid)) if rid else (
        lambda: url_for("awards.index"))
    targets = {
        "to_screen": lambda: url_for("screening.queue", round_id=rid, status="submitted"),
        "conflicts": (lambda: url_for("judging.manage", round_id=rid)) if rid else (
            lambda: url_for("judging.rounds")),
        "objections": round_page,
        "notices_ending": round_page,
        "to_countersign": round_page,
        "to_request": lambda: url_for("finance.dashboard"),
        "to_approve": lambda: url_for("finance.dashboard"),
        "to_mark_paid": lambda: url_for("finance.dashboard"),
        "expenses": lambda: url_for("expenses.queue"),
    }
    return targets[count.key]()


def landing_url(user) -> str:
    """Where a person lands after login: the judge dashboard for an account that only
    judges, their own page for everyone else."""
    if roles_of(user) == {JUDGE}:
        return url_for("judging.dashboard")
    return url_for("home.me")


def _sections(user) -> dict:
    """The data of each section the person's roles call for (None when not shown)."""
    organizer = has_any_role(user, ORGANIZERS)
    finance = has_any_role(user, FINANCE_OFFICERS)
    applicant = has_any_role(user, APPLICANTS)
    return {
        "needs": landing.my_needs(user) if has_any_role(user, RESIDENTS) else None,
        "votes": landing.open_votes(user) if has_any_role(user, RESIDENTS) else None,
        "proposals": landing.my_proposals(user) if applicant else None,
        "results": landing.my_results(user) if applicant else None,
        "to_sign": landing.agreements_to_sign(user) if applicant else None,
        "awards": landing.my_awards(user) if applicant else None,
        "organizer": landing.organizer_counts() if organizer else None,
        "finance": landing.finance_counts(user) if finance else None,
        "judge": landing.judge_open_sheets(user) if has_any_role(user, JUDGES) else None,
        "auditor": landing.recent_entries() if has_any_role(user, AUDIT_READERS) else None,
    }


@bp.get("/")
@requires(policies.SIGNED_IN)
def me():
    """What needs me now, one section per role I hold (a judge-only account goes straight to
    the judge dashboard)."""
    if url_for("home.me") != (target := landing_url(current_user)):
        return redirect(target)
    head_seq, _head_hash = audit.head()
    return render_template(
        "home/me.html", queue_labels=QUEUE_LABELS, queue_url=queue_url, head_seq=head_seq,
        action_label=audit_action_label, object_label=object_label, **_sections(current_user),
    )
