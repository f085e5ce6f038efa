"""Page builders for the proposal views: the editing page (with every problem inline and in a
linked summary), the read-only page and the confirmation step before a submission.

Kept apart from ``views.py`` so each view stays a few lines: a view decides what happens, a
builder here shows the result with the status the view chose.
"""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_login import current_user

from grants.domain.budget import COST_CATEGORIES
from grants.domain.errors import Refusal
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.permissions import owns_proposal
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import (
    awaits_resubmission,
    is_editable,
    shows_decision_reason,
    submission_action,
)
from grants.extensions import db
from grants.models import Proposal
from grants.services import attachments, proposals
from grants.services.proposals import ProposalInput
from grants.services.rounds import check_phase, rules_of
from grants.web.proposals import binding
from grants.web.proposals.forms import ActionForm, UploadForm


def actions_of(proposal: Proposal) -> list[str]:
    """What the current user may do with the proposal now, as the lifecycle table says."""
    return PROPOSAL.available(proposal.status, perms.roles_on(current_user, proposal))


def edit_page(proposal: Proposal, form, status: int = 200, sections=None, summary=None,
              headline: str = "", unsaved: bool = False):
    """The editing page: the form, the round's rules, the attachments, and when a save or a
    submission was refused the ``summary`` of problems (each linking to its input).

    ``unsaved`` tells the page's script that what is shown differs from what is stored, so
    leaving it warns.
    """
    return render_template(
        "proposals/edit.html",
        proposal=proposal,
        form=form,
        rules=rules_of(proposal.round),
        sections=sections or {},
        summary=summary or [],
        headline=headline,
        unsaved=unsaved,
        attachments=attachments.of_proposal(proposal.id),
        upload=UploadForm(formdata=None),
        action_form=ActionForm(formdata=None),
        categories=COST_CATEGORIES,
        actions=actions_of(proposal),
        deadline=proposals.deadline_of(proposal),
        returned=awaits_resubmission(proposal.status),
        closed=check_phase(proposal.round, submission_action(proposal.status)),
        marker=binding.DRAFT_MARKER,
        max_file_bytes=attachments.MAX_FILE_BYTES,
    ), status


def detail_page(proposal: Proposal, status: int = 200):
    """The read-only page of a proposal the current user may see."""
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        attachments=attachments.of_proposal(proposal.id),
        timeline=proposals.timeline(proposal.id),
        changes=proposals.version_changes(proposal.id),
        categories=COST_CATEGORIES,
        is_owner=owns_proposal(current_user, proposal),
        can_screen=perms.can_screen(current_user)[0],
        actions=actions_of(proposal),
        show_reason=shows_decision_reason(proposal.status),
        returned=awaits_resubmission(proposal.status),
        recall_open=check_phase(proposal.round, "submit") is None,
        deadline=proposals.deadline_of(proposal),
    ), status


def confirm_page(proposal: Proposal):
    """The step between 提交申报 and the submission: what will be submitted, confirm or go back."""
    return render_template(
        "proposals/confirm.html",
        proposal=proposal,
        attachments=attachments.of_proposal(proposal.id),
        deadline=proposals.deadline_of(proposal),
        resubmission=awaits_resubmission(proposal.status),
        form=ActionForm(formdata=None),
    )


def back(proposal: Proposal, error: Refusal):
    """After a refused action: flash why and show the proposal (its form while editable)."""
    if error.status == 404:
        abort(404)
    flash(str(error), "danger")
    db.session.refresh(proposal)
    if is_editable(proposal.status):
        return edit_page(
            proposal, binding.build_form(proposal, binding.model_data(proposal)), error.status
        )
    return detail_page(proposal, error.status)


def refused(proposal: Proposal, data: ProposalInput, error: Refusal, saved: bool = False):
    """Show the typed form again with every problem next to its input and in the summary.

    ``saved`` says the readable inputs were stored meanwhile (only the ones listed were not).
    """
    if error.status == 404:
        abort(404)
    db.session.refresh(proposal)
    form = binding.build_form(proposal, data=binding.input_data(data))
    sections = binding.attach_problems(form, error.problems)
    if not error.problems:
        flash(str(error), "danger")
    return edit_page(proposal, form, error.status, sections,
                     summary=binding.summary(form, error.problems), headline=str(error),
                     unsaved=bool(error.problems) or not saved)
